/**
 * `orion devnet` as a separate process, as a user runs it: the tests reach it over JSON-RPC only, like a foreign chain.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

export interface OrionDevnet {
  /** The RPC URL it printed first. */
  url: string;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/** Starts `orion devnet --port 0` writing its chain profile to profileFile; resolves once the profile is written. */
export async function startOrionDevnet(home: string, profileFile: string, blockTimeMs: number): Promise<OrionDevnet> {
  const devnet = spawn(
    process.execPath,
    [ORION, "devnet", "--port", "0", "--block-time", String(blockTimeMs), "--profile-out", profileFile],
    { env: { ...process.env, ORION_HOME: home } },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    devnet.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/\nprofile: /.test(out)) resolve();
    });
    devnet.once("exit", (code) => reject(new Error(`orion devnet exited (${code}) before it was ready`)));
  });
  return {
    url: out.split("\n")[0] as string,
    stop: async () => {
      if (devnet.exitCode !== null) return;
      const exited = new Promise((r) => devnet.once("exit", r));
      devnet.kill("SIGTERM");
      await exited;
    },
  };
}
