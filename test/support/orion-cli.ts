/**
 * The `orion` binary (bin/orion.mjs) started as a user starts it, its output collected: one run to its exit
 * (`runOrion`), or a long-running one a test talks to until it stops it (`startOrion`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

export const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

export interface OrionExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface OrionRunOptions {
  /** The whole environment (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** In a process group of its own, standing for a terminal's foreground group: `interrupt` is Ctrl-C to it all. */
  detached?: boolean;
  /** Called with all of stdout so far after each chunk. */
  onStdout?: (stdout: string, run: { interrupt(): void }) => void;
}

/** Runs `orion ...args` to its exit. */
export function runOrion(args: string[], options: OrionRunOptions = {}): Promise<OrionExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ORION, ...args], {
      env: options.env ?? process.env,
      detached: options.detached ?? false,
    });
    const signal = (sig: NodeJS.Signals) => process.kill(options.detached ? -child.pid! : child.pid!, sig);
    const interrupt = () => signal("SIGINT");
    abandonWithTest(child, signal);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      options.onStdout?.(stdout, { interrupt });
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A test that times out abandons its run, and a session never interrupted runs on (its process group outlives the
 * test worker: one ran on for half an hour, busying the rest of the suite). Once the test is over, a run still going is sent
 * Ctrl-C, then SIGKILL if it has not ended 20 s later. Outside a test (a hook), the hook's own cleanup applies.
 */
function abandonWithTest(child: ChildProcess, signal: (sig: NodeJS.Signals) => void): void {
  const running = () => child.exitCode === null && child.signalCode === null;
  try {
    onTestFinished(async () => {
      if (!running()) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      signal("SIGINT");
      const kill = setTimeout(() => running() && signal("SIGKILL"), 20_000);
      await exited;
      clearTimeout(kill);
    }, 30_000);
  } catch {
    // Not inside a test.
  }
}

export interface RunningOrion {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if orion exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Sends `signal` and waits for the exit, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Starts a long-running `orion ...args` (a session without --blocks, say). */
export function startOrion(args: string[], env: NodeJS.ProcessEnv): RunningOrion {
  const child = spawn(process.execPath, [ORION, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const waiters = new Set<() => void>();
  const collect = (c: Buffer) => {
    output += c.toString();
    for (const w of waiters) w();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (err: Error | null, match?: RegExpExecArray) => {
          waiters.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(match!);
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(null, match);
        };
        const timer = setTimeout(
          () => done(new Error(`orion printed no ${pattern} in ${timeoutMs} ms: ${output}`)),
          timeoutMs,
        );
        void exited.then(() =>
          done(new Error(`orion exited (${child.exitCode}) before printing ${pattern}: ${output}`)),
        );
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGINT", graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
