/**
 * `orion devnet` in its own process, started as a user starts a node: what it deployed is learnt from the chain
 * profile it writes (--profile-out) and from JSON-RPC, never from its memory. `orion dev`, the tests and the
 * benchmarks all start the local chain through here.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Interface } from "ethers";
import { deploy, devAccounts, type DevAccount, type Eip1193, type FailoverProvider } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { deployDevnetAccountAbstraction, type DevnetAccountAbstraction } from "./user-operations.ts";

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
  /** op-stack: an OP-stack chain charging an L1 data fee (`--gas-model`). Default ethereum. */
  gasModel?: "ethereum" | "op-stack";
}

/** Starts `orion devnet --port 0`; resolves once its profile is written and it mines. */
export async function startOrionDevnet(o: OrionDevnetOptions): Promise<OrionDevnet> {
  const args = ["devnet", "--port", "0", "--block-time", String(o.blockTimeMs), "--profile-out", o.profileFile];
  if (o.seed !== undefined) args.push("--seed", String(o.seed));
  if (o.gasModel) args.push("--gas-model", o.gasModel);
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

/** Blocks this fast while a session deploys its contracts, so that each transaction is mined at once. */
const SETUP_BLOCK_MS = 50;

export interface DevnetContracts {
  /** The session's own ArbExecutor. */
  contract: string;
  /** Its operator, who sends the trades: Hardhat's public account 1 (its key is public too). */
  owner: DevAccount;
  /** The ERC-4337 contracts and the smart account's ArbExecutor, when asked for. */
  aa: DevnetAccountAbstraction | null;
}

/**
 * What a session deploys on a devnet it reaches over JSON-RPC only, as a user deploys theirs on a real chain: an
 * ArbExecutor owned by Hardhat's public account 0 and operated by account 1, profit to account 2 (and with `erc4337`
 * the EntryPoint, account factory, paymaster and the smart account's executor). Anyone running `orion devnet` knows
 * these accounts; nothing here comes from the devnet's memory. Blocks come fast meanwhile, then every `blockTimeMs`
 * again (0: no interval mining, the caller mines).
 */
export async function deployDevnetContracts(
  provider: FailoverProvider,
  o: { erc4337: boolean; blockTimeMs: number },
): Promise<DevnetContracts> {
  const [deployer, owner, treasury] = devAccounts(3) as [DevAccount, DevAccount, DevAccount];
  return withBlockInterval(provider, SETUP_BLOCK_MS, o.blockTimeMs, async () => {
    const rpc = waitingForReceipts(provider);
    const { ArbExecutor } = await loadArtifacts();
    // The deployer is the contract's owner (the cold admin), account 1 its operator, who sends the trades.
    const contract = await deploy(rpc, deployer.address, ArbExecutor.bytecode, new Interface(ArbExecutor.abi), [
      deployer.address,
      owner.address,
      treasury.address,
    ]);
    const aa = o.erc4337
      ? await deployDevnetAccountAbstraction(rpc, {
          deployer: deployer.address,
          owner: owner.address,
          treasury: treasury.address,
        })
      : null;
    return { contract, owner, aa };
  });
}

/** Runs `during` with the devnet mining every `fastMs`, then back to every `normalMs` (devnet JSON-RPC). */
export async function withBlockInterval<T>(
  provider: FailoverProvider,
  fastMs: number,
  normalMs: number,
  during: () => Promise<T>,
): Promise<T> {
  await provider.send("evm_setIntervalMining", [fastMs]);
  try {
    return await during();
  } finally {
    await provider.send("evm_setIntervalMining", [normalMs]);
  }
}

/**
 * The chain as the deployment helpers speak to it (EIP-1193), with each sent transaction answered only once it is
 * mined: they read its receipt right after sending, as on an automining node, and this devnet mines on an interval.
 */
function waitingForReceipts(provider: FailoverProvider): Eip1193 {
  return {
    async request({ method, params }) {
      const result = await provider.send(method, params ?? []);
      if (method === "eth_sendTransaction" || method === "eth_sendRawTransaction") {
        const deadline = Date.now() + 30_000;
        while ((await provider.send("eth_getTransactionReceipt", [result])) === null) {
          if (Date.now() > deadline) throw new Error(`transaction ${String(result)} not mined within 30 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      return result;
    },
  };
}
