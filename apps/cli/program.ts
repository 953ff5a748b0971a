import { Command } from "commander";
import { COMMANDS, type CommandEntry } from "./registry.ts";

/**
 * The `orion` program for one invocation. Only the command that `argv` names is imported and configured in full;
 * for anything else (`--help`, no command, an unknown one) every command is listed by name and description alone,
 * so answering costs no command module's import.
 */
export async function buildProgram(
  argv: readonly string[],
  commands: Readonly<Record<string, CommandEntry>> = COMMANDS,
): Promise<Command> {
  const program = new Command("orion")
    .description("Alpha-Orion: flash-loan arbitrage platform and its GCP infrastructure")
    .showHelpAfterError(false)
    .exitOverride();
  // argv is commander's "node" form: [node, script, ...args]; `orion help NAME` asks for NAME's own help.
  const args = argv.slice(2);
  const named = args[0] === "help" ? args[1] : args[0];
  for (const [name, entry] of Object.entries(commands)) {
    const command = program.command(name).description(entry.description);
    if (name === named) (await entry.load()).configure(command);
  }
  return program;
}
