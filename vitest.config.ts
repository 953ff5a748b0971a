import { defineConfig } from "vitest/config";
import SlowestFirst from "./test/support/slowest-first.ts";

const EXCLUDE = ["node_modules/**", ".orion/**", "dist/**"];
// End-to-end files start sessions, devnets and bundlers, and set process-wide state (tracing, metrics registries):
// each gets a fresh worker process.
const E2E = ["**/*.e2e.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Three on two cores: the end-to-end files mostly wait on block timers, so a third worker fills the idle core
    // (2026-12-02, all files: 2 workers 266-307 s, 3 workers 206-264 s in six clean runs; 4 workers 240 s and a relay
    // session too slow to land its trades). A project's own value would win over the command line's --maxWorkers
    // (which targeted runs pass), so it is set only when the command line does not.
    maxWorkers: process.argv.some((a) => a.startsWith("--maxWorkers")) ? undefined : 3,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    sequence: { sequencer: SlowestFirst },
    // Each test file gets its own ORION_HOME; the run fails if anything still wrote into the checkout's .orion/.
    setupFiles: ["./test/support/orion-home.ts"],
    globalSetup: ["./test/support/checkout-untouched.ts"],
    // expect.poll waits for something another process or timer does; vitest's 1 s default fails on two busy cores.
    expect: { poll: { timeout: 20_000, interval: 20 } },
    projects: [
      { extends: true, test: { name: "e2e", include: E2E, exclude: EXCLUDE } },
      // The other files share a worker one after another instead of each starting a process and importing its
      // modules again: most take milliseconds, and the fresh process took a second of CPU each (95 such files: 77 s
      // of CPU isolated, 25 s shared). Each still gets its own ORION_HOME, database and key prefix.
      {
        extends: true,
        test: { name: "unit", include: ["**/*.test.ts"], exclude: [...EXCLUDE, ...E2E], isolate: false },
      },
    ],
  },
});
