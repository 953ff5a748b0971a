import { Command, CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "./errors.ts";
import { registerCompliance } from "./commands/compliance.ts";
import { registerPlan } from "./commands/plan.ts";
import { registerDev } from "./commands/dev.ts";

const program = new Command("orion")
  .description("Alpha-Orion: flash-loan arbitrage platform and its GCP infrastructure")
  .showHelpAfterError(false)
  .exitOverride();

// Each command lives in ./commands/<name>.ts and exports register<Name>(program).
registerCompliance(program);
registerPlan(program);
registerDev(program);

try {
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
