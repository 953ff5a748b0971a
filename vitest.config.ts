import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".orion/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend for the devnet and PostgreSQL.
    maxWorkers: 2,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Each test file gets its own ORION_HOME; the run fails if anything still wrote into the checkout's .orion/.
    setupFiles: ["./test/support/orion-home.ts"],
    globalSetup: ["./test/support/checkout-untouched.ts"],
    // expect.poll waits for something another process or timer does; vitest's 1 s default fails on two busy cores.
    expect: { poll: { timeout: 20_000, interval: 20 } },
  },
});
