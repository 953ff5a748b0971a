import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { KernelHelpers, KernelMemory } from "../core/index.ts";
import { helperModuleBytes, SHARE_WORDS } from "../core/index.ts";

/** Markets from this many pools on share `orion scan`'s full scan with a helper thread (the 10k-pool one: 538k cycles). */
const MIN_SHARED_POOLS = 2_000;

/**
 * The helper thread's program (plain JavaScript, evaluated by the worker: nothing to bundle or resolve). It compiles
 * the helper build of the exact kernel at once, so that is done while the scanner builds its cycle index; given the
 * tables' memory, it takes chunks of every shared scan (the kernel's `share`) each time the plan's generation moves
 * on. A failure is flagged in the plan (`failed`), where the scanning thread, which waits on the plan, sees it.
 */
const HELPER_PROGRAM = `
const { parentPort, workerData } = require("node:worker_threads");
const module = new WebAssembly.Module(workerData.bytes);
const { generation, done, failed } = workerData.words;
parentPort.once("message", ({ memory }) => {
  const plan = new Int32Array(memory.buffer, 0, failed + 1);
  try {
    const { exports } = new WebAssembly.Instance(module, { env: { memory } });
    parentPort.postMessage("ready");
    for (let seen = 0; ; ) {
      Atomics.wait(plan, generation, seen);
      seen = Atomics.load(plan, generation);
      exports.share();
    }
  } catch (err) {
    Atomics.store(plan, failed, 1);
    Atomics.notify(plan, done);
    throw err;
  }
});
`;

/** A helper thread for one scanner's full scans; `stop()` ends it. */
export interface KernelHelper extends KernelHelpers {
  /** Settles once the thread has its kernel over the memory (true) or has failed (false). */
  readonly ready: Promise<boolean>;
  stop(): void;
}

/**
 * One helper thread for a full scan's kernel (ScannerOptions.kernelHelpers), or undefined where it cannot help: a
 * single core, or a market too small for a thread's start (tens of milliseconds of the other core) to pay.
 */
export function startKernelHelper(pools: number): KernelHelper | undefined {
  if (pools < MIN_SHARED_POOLS || availableParallelism() < 2) return undefined;
  const worker = new Worker(HELPER_PROGRAM, {
    eval: true,
    workerData: { bytes: helperModuleBytes(), words: SHARE_WORDS },
  });
  // The scan waits on the plan, not on the thread: nothing here keeps the process alive.
  worker.unref();
  // A failure is flagged in the plan for the scan (above), which then stops with its own error.
  const ready = new Promise<boolean>((resolve) => {
    worker.once("message", () => resolve(true));
    worker.once("error", () => resolve(false));
    worker.once("exit", () => resolve(false));
  });
  return {
    ready,
    attach(memory: KernelMemory): void {
      worker.postMessage({ memory });
    },
    stop(): void {
      void worker.terminate();
    },
  };
}
