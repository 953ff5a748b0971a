/**
 * `orion devnet` in its own process, started as a user starts a node: what it deployed is learnt from the chain
 * profile it writes (--profile-out) and from JSON-RPC, never from its memory. `orion dev`, the tests and the
 * benchmarks all start the local chain through here.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ORION = fileURLToPath(new URL("../../bin/orion.mjs", import.meta.url));

export interface OrionDevnet {
  /** The RPC URL it printed first. */
  url: string;
  /** Where it wrote its chain profile. */
  profileFile: string;
  pid: number;
  /** SIGTERM, and wait for it to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface OrionDevnetOptions {
  profileFile: string;
  blockTimeMs: number;
  seed?: number;
  /** Its $ORION_HOME (default: this process's). */
  home?: string;
}

/** Starts `orion devnet --port 0`; resolves once its profile is written and it mines. */
export async function startOrionDevnet(o: OrionDevnetOptions): Promise<OrionDevnet> {
  const args = ["devnet", "--port", "0", "--block-time", String(o.blockTimeMs), "--profile-out", o.profileFile];
  if (o.seed !== undefined) args.push("--seed", String(o.seed));
  const devnet = spawn(process.execPath, [ORION, ...args], {
    env: { ...process.env, ...(o.home ? { ORION_HOME: o.home } : {}) },
    // The IPC channel ties its life to this process: it stops when the channel closes, even if this one is killed.
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    // Out of the terminal's process group, so Ctrl-C reaches only the session, which stops the chain after its
    // in-flight trades.
    detached: true,
  });
  const exited = new Promise<number | null>((r) => devnet.once("exit", (code) => r(code)));
  let out = "";
  try {
    await new Promise<void>((resolve, reject) => {
      devnet.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (/\nprofile: /.test(out)) resolve();
      });
      void exited.then((code) => reject(new Error(`orion devnet exited (${code}) before it was ready`)));
      devnet.once("error", (err) => reject(new Error(`orion devnet could not start: ${err.message}`)));
    });
  } catch (err) {
    devnet.kill("SIGKILL");
    throw err;
  }
  // Nothing more is read from its stdout; drained so that it never blocks on a full pipe.
  devnet.stdout?.resume();
  return {
    url: out.split("\n")[0] as string,
    profileFile: o.profileFile,
    pid: devnet.pid as number,
    stop: async () => {
      if (devnet.exitCode !== null || devnet.signalCode !== null) return;
      devnet.kill("SIGTERM");
      const killed = setTimeout(() => devnet.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killed);
    },
  };
}
