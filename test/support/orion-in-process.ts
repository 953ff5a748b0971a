/**
 * `orion ...args` in this process, as apps/cli/main.ts runs it (same program, same error-to-exit-code mapping), for
 * tests of a command's output and refusals: no process start and no second import of a heavy command module. What
 * only the real process shows (the bundle, flushing a large stdout before the exit) keeps an end-to-end run.
 */
import { CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "../../apps/cli/errors.ts";
import { buildProgram } from "../../apps/cli/program.ts";
import type { OrionExit } from "./orion-cli.ts";

export async function orionInProcess(args: string[]): Promise<OrionExit & { code: number }> {
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
  }
  return { code, stdout, stderr };
}
