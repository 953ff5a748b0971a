import { CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "./errors.ts";
import { buildProgram } from "./program.ts";

try {
  const program = await buildProgram(process.argv);
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not failures; every other commander error is bad usage.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    const { code, line } = describeFailure(err);
    process.stderr.write(`orion: ${line}\n`);
    process.exitCode = code;
  }
}

// Piped stdout/stderr are written asynchronously: an empty write's callback fires once what came before is flushed,
// so the explicit exit below never truncates a large JSON document.
const drain = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
await Promise.all([drain(process.stdout), drain(process.stderr)]);

// A library's exit hook or a lingering handle must neither change nor delay the exit-code contract (0 ok, 1 failed,
// 2 bad usage): every command ends here.
process.exit(process.exitCode ?? 0);
