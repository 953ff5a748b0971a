import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".orion/", "dist/", "**/dist/", "**/artifacts/", "coverage/", "test-artifacts/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The console runs in the browser; tsc (apps/console/tsconfig.json, DOM lib) already checks every global it uses.
    files: ["apps/console/src/**/*.{ts,tsx}"],
    rules: { "no-undef": "off" },
  },
);
