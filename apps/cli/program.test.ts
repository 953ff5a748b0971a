import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.ts";
import { COMMANDS, type CommandEntry } from "./registry.ts";

/** The real registry, recording which command modules get imported. */
function recordingRegistry(): { commands: Record<string, CommandEntry>; loaded: string[] } {
  const loaded: string[] = [];
  const commands = Object.fromEntries(
    Object.entries(COMMANDS).map(([name, entry]) => [
      name,
      { ...entry, load: () => (loaded.push(name), entry.load()) },
    ]),
  );
  return { commands, loaded };
}

const node = (...args: string[]) => ["node", "orion", ...args];

describe("the orion program", () => {
  it.each([[[]], [["--help"]], [["help"]], [["no-such-command"]]])(
    "%j imports no command module and lists every command",
    async (args) => {
      const { commands, loaded } = recordingRegistry();
      const program = await buildProgram(node(...args), commands);
      expect(loaded).toEqual([]);
      expect(program.commands.map((c) => c.name())).toEqual(Object.keys(COMMANDS));
    },
  );

  it.each(Object.keys(COMMANDS).map((name) => [name]))(
    "%s: only its own module is imported, and it adds options or subcommands",
    async (name) => {
      const { commands, loaded } = recordingRegistry();
      const program = await buildProgram(node(name, "--help"), commands);
      expect(loaded).toEqual([name]);
      const command = program.commands.find((c) => c.name() === name);
      expect(command?.description()).toBe(COMMANDS[name]?.description);
      expect((command?.options.length ?? 0) + (command?.commands.length ?? 0)).toBeGreaterThan(0);
    },
  );

  it("`orion help NAME` imports NAME for its help", async () => {
    const { commands, loaded } = recordingRegistry();
    await buildProgram(node("help", "scan"), commands);
    expect(loaded).toEqual(["scan"]);
  });

  it("the real binary answers --help with every command and exit 0", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/orion.mjs", "--help"], { cwd: root });
    for (const name of Object.keys(COMMANDS)) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  }, 60_000);
});
