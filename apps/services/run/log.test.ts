import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const LOG = fileURLToPath(new URL("./log.ts", import.meta.url));

describe("serviceLogger", () => {
  it("the last line logged before the process exits reaches stdout, even when stdout's reader lags behind", async () => {
    // As `orion run` ends: `<bot> stopped`, then process.exit. Here stdout's pipe is full when that line is logged
    // (its reader, like a busy log agent, has not kept up): the line must wait for room, not be dropped at the exit.
    const script = `
      import { writeSync } from "node:fs";
      const { serviceLogger } = await import(${JSON.stringify(LOG)});
      const log = serviceLogger({ bot: "orchestrator", level: "info" });
      void process.stdout; // as the CLI does: stdout becomes a non-blocking pipe
      const fill = Buffer.alloc(1024, " ");
      const full = () => { for (;;) { try { writeSync(1, fill); } catch (err) { if (err.code === "EAGAIN") return; throw err; } } };
      full();
      await new Promise((r) => setTimeout(r, 200));
      full();
      process.stderr.write("full\\n");
      log.info("orchestrator stopped");
      process.exit(0);
    `;
    const child = spawn(process.execPath, [
      "--import",
      import.meta.resolve("tsx"),
      "--input-type=module",
      "-e",
      script,
    ]);
    let stderr = "";
    let catchingUp = false;
    const out: Buffer[] = [];
    child.stdout.pause();
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (catchingUp || !stderr.includes("full\n")) return;
      catchingUp = true;
      // The reader catches up a while after the line was logged.
      setTimeout(() => child.stdout.on("data", (chunk: Buffer) => out.push(chunk)).resume(), 300);
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(stderr).toBe("full\n");
    expect(code).toBe(0);
    const last = Buffer.concat(out).toString().trim().split("\n").at(-1) ?? "";
    expect(last).toContain('"message":"orchestrator stopped"');
    expect(JSON.parse(last.trim())).toMatchObject({
      severity: "INFO",
      message: "orchestrator stopped",
      bot: "orchestrator",
    });
  });
});
