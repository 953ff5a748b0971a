/**
 * `orion ...args` in this process, as apps/cli/main.ts runs it (same program, same error-to-exit-code mapping), for
 * tests of a command's output and refusals: no process start and no second import of a heavy command module. What
 * only the real process shows (the bundle, flushing a large stdout before the exit, log lines pino writes straight to
 * fd 1) keeps an end-to-end run.
 */
import { CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "../../apps/cli/errors.ts";
import { buildProgram } from "../../apps/cli/program.ts";
import type { OrionExit } from "./orion-cli.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** Makes process.env exactly `env` (in place: modules keep their reference to it). */
function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) delete process.env[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
}

/**
 * `env`, when given, is the command's whole environment for the call, as a spawned run's would be; this process's
 * own comes back after.
 */
export async function orionInProcess(args: string[], env?: NodeJS.ProcessEnv): Promise<OrionExit & { code: number }> {
  let stdout = "";
  let stderr = "";
  const { stdout: out, stderr: err } = process;
  const writes = { out: out.write, err: err.write };
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof out.write;
  out.write = capture((s) => (stdout += s));
  err.write = capture((s) => (stderr += s));
  const exitCode = process.exitCode;
  const ownEnv = { ...process.env };
  // A command's signal handlers (`orion run` keeps its own for the life of its process) end with the call here.
  const handlers = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
  if (env) replaceEnv(env);
  let code = 0;
  try {
    const argv = ["node", "orion", ...args];
    await (await buildProgram(argv)).parseAsync(argv);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : EXIT_USAGE;
    else {
      const failure = describeFailure(e);
      stderr += `orion: ${failure.line}\n`;
      code = failure.code;
    }
  } finally {
    out.write = writes.out;
    err.write = writes.err;
    process.exitCode = exitCode;
    if (env) replaceEnv(ownEnv);
    for (const [signal, before] of handlers) {
      for (const l of process.listeners(signal)) if (!before.includes(l)) process.off(signal, l);
    }
  }
  return { code, stdout, stderr };
}
