import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Built by `npm run build:console` (npm ci runs it through `prepare`); the API serves dist/ at /console/.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or data-URL modules: the CSP allows scripts from the origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
