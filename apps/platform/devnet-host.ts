import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DeployedMarkets } from "../chain/index.ts";
import type { DevnetAccountAbstraction } from "./user-operations.ts";

export type DevnetCommand = { type: "mine"; intervalMs: number } | { type: "close" };

export interface DevnetReady {
  type: "ready";
  url: string;
  markets: DeployedMarkets;
  executor: { address: string; privateKey: string | null };
  /** The ERC-4337 contracts, when asked for. */
  accountAbstraction: DevnetAccountAbstraction | null;
}

export interface DevnetHandle {
  url: string;
  markets: DeployedMarkets;
  executor: { address: string; privateKey: string | null };
  accountAbstraction: DevnetAccountAbstraction | null;
  setBlockInterval(ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts the local chain in its own process (see devnet-process.ts) and resolves once its markets are deployed.
 * `withExecutorKey` hands the executor's devnet key to this process: live sessions only. `accountAbstraction` also
 * deploys the ERC-4337 contracts and the smart account's executor (`--execution erc4337`, sim or live).
 */
export async function startDevnetProcess(opts: {
  seed: number;
  withExecutorKey: boolean;
  accountAbstraction?: boolean;
}): Promise<DevnetHandle> {
  const entry = fileURLToPath(new URL("./devnet-process.ts", import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    execArgv: ["--import", import.meta.resolve("tsx")],
    env: {
      ...process.env,
      ORION_DEVNET_SEED: String(opts.seed),
      ORION_DEVNET_EXECUTOR_KEY: opts.withExecutorKey ? "1" : "0",
      ORION_DEVNET_ERC4337: opts.accountAbstraction ? "1" : "0",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    // Out of the terminal's process group, so Ctrl-C reaches only the session, which stops the chain after its
    // in-flight trades; the chain still ends with its parent (devnet-process.ts exits on disconnect).
    detached: true,
  });
  const ready = await new Promise<DevnetReady>((resolve, reject) => {
    child.once("message", (m: DevnetReady | { type: "error"; message: string }) =>
      m.type === "ready" ? resolve(m) : reject(new Error(`devnet failed to start: ${m.message}`)),
    );
    child.once("exit", (code) => reject(new Error(`devnet process exited with code ${code} before it was ready`)));
    child.once("error", (err) => reject(new Error(`devnet process could not start: ${err.message}`)));
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const command = (c: DevnetCommand) => {
    if (child.connected) child.send(c);
  };
  return {
    url: ready.url,
    markets: ready.markets,
    executor: ready.executor,
    accountAbstraction: ready.accountAbstraction,
    setBlockInterval: (ms) => command({ type: "mine", intervalMs: ms }),
    async close() {
      command({ type: "close" });
      const killed = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killed);
    },
  };
}
