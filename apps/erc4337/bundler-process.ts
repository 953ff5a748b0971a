/**
 * A real ERC-4337 bundler (@pimlico/alto) as its own process on 127.0.0.1, for the local chain: `orion dev
 * --execution erc4337` and the tests start one; on a public chain the profile names a hosted bundler instead.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface BundlerOptions {
  rpcUrl: string;
  entryPoint: string;
  /**
   * Keys of the accounts that submit handleOps bundles (each pays gas up front and is repaid by the EntryPoint).
   * alto holds an account from sending its bundle until that bundle is mined: with one key, operations that arrive
   * after a block's first bundle wait a whole block for the next, and late operations revert on moved pools.
   */
  executorPrivateKeys: readonly string[];
  /** Key of the account that deploys alto's simulation contracts at start (through the CREATE2 deployer). */
  utilityPrivateKey: string;
  blockTimeMs?: number;
  /** alto's log level; its logs go to this process's stderr. */
  logLevel?: "error" | "warn" | "info" | "debug";
  startTimeoutMs?: number;
  /**
   * Tests only: alto's debug methods (`debug_bundler_setBundlingMode`, `debug_bundler_sendBundleNow`), so a test can
   * hold operations and bundle them together on purpose.
   */
  debugEndpoints?: boolean;
}

export interface BundlerHandle {
  url: string;
  pid: number;
  /** Resolves when the process has exited (for whatever reason). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period. */
  close(): Promise<void>;
  /** SIGKILL now: what a crash looks like to the platform. */
  kill(): Promise<void>;
}

function altoEntry(): string {
  return fileURLToPath(new URL("./cli/alto.js", import.meta.resolve("@pimlico/alto")));
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_supportedEntryPoints", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await res.json()) as { result?: unknown };
    return Array.isArray(body.result) && body.result.length > 0;
  } catch {
    return false;
  }
}

export async function startBundler(o: BundlerOptions): Promise<BundlerHandle> {
  const args = [
    ["--entrypoints", o.entryPoint],
    ["--executor-private-keys", o.executorPrivateKeys.join(",")],
    ["--utility-private-key", o.utilityPrivateKey],
    ["--rpc-url", o.rpcUrl],
    ["--port", "0"],
    // Safe mode enforces the ERC-7562 storage rules with a JS tracer that EDR does not run; the platform's own
    // operations are the only ones this bundler sees.
    ["--safe-mode", "false"],
    ["--refilling-wallets", "false"],
    ["--block-time", String(o.blockTimeMs ?? 1000)],
    ["--min-bundle-interval", "20"],
    ["--max-bundle-interval", "200"],
    ["--json", "true"],
    ["--log-level", o.logLevel ?? "warn"],
    ["--enable-debug-endpoints", String(o.debugEndpoints ?? false)],
    // eth_estimateUserOperationGas binary-searches each gas limit on chain, each step running the operation again (the
    // call-gas search runs the whole trade every step), over [9,000, 9,000 + allowance] until the step is below the
    // tolerance. alto's defaults (30M, 10k: 12 steps) are sized for any operation on a node that answers in
    // parallel; here the node runs one request at a time, and with estimateEachTrade the executor estimates every
    // trade on it. Trades need under 600k call gas: 1M and 20k take 6 steps. The estimate is checked, not sent: the
    // route sends the larger of it and its own limits.
    ["--binary-search-gas-allowance", "1000000"],
    ["--binary-search-tolerance-delta", "20000"],
  ].flat();
  const child: ChildProcess = fork(altoEntry(), args, {
    execArgv: ["loopback-only.mjs", "ends-with-parent.mjs"].flatMap((f) => [
      "--import",
      fileURLToPath(new URL(`./${f}`, import.meta.url)),
    ]),
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    // Out of the terminal's process group: Ctrl-C reaches only the session, which stops the bundler after its
    // in-flight trades (close() below); ends-with-parent.mjs ends it if the session dies first.
    detached: true,
    // The keys reach alto only through argv of a loopback-only child; nothing of ours logs argv.
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("bundler did not start listening in time")),
      o.startTimeoutMs ?? 60_000,
    );
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m.type === "listening" && typeof m.port === "number" && m.port > 0) {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bundler exited with code ${code} before it was listening`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  while (!(await answers(url))) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`bundler at ${url} does not answer eth_supportedEntryPoints`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(force);
  };
  return {
    url,
    pid: child.pid ?? -1,
    exited,
    close: () => stop("SIGTERM"),
    kill: () => stop("SIGKILL"),
  };
}
