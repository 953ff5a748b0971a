/**
 * Hardhat 3's EDR devnet: in-process for tests, or served on 127.0.0.1 for `orion dev`. Both start with automine
 * (deployment is then one block per transaction and needs no waiting) and switch to interval mining or on-demand
 * blocks once the markets are seeded.
 */
import { fileURLToPath } from "node:url";
import type { EthereumProvider } from "hardhat/types/providers";
import { HDNodeWallet } from "ethers";
import type { Eip1193 } from "./eip1193.ts";
import { setL1FeeScalars } from "./op-stack.ts";
import { serveJsonRpc, type JsonRpcServer, type SubscriptionEvent } from "./json-rpc-server.ts";

export const DEVNET_CHAIN_ID = 31337;
/** Hardhat's well-known development mnemonic: every account is funded with 10 000 ETH at genesis. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface DevAccount {
  address: string;
  privateKey: string;
}

let accountsRoot: HDNodeWallet | undefined;

/** The devnet's funded accounts (lowercase addresses). Public test keys: never use them on a real chain. */
export function devAccounts(count = 20): DevAccount[] {
  // The mnemonic's seed is 2048 rounds of PBKDF2: stretched once per process, not once per account (was 1 s a start).
  accountsRoot ??= HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
  const root = accountsRoot;
  return Array.from({ length: count }, (_, i) => {
    const w = root.deriveChild(i);
    return { address: w.address.toLowerCase(), privateKey: w.privateKey };
  });
}

export interface Devnet {
  readonly chainId: number;
  readonly provider: Eip1193;
  /** http://127.0.0.1:PORT when served, null when in-process only. */
  readonly url: string | null;
  blockNumber(): Promise<number>;
  /**
   * Calls `listener` with each new block's number as the node mines it: an in-process subscription, no requests and
   * no polling. Resolves to its stop.
   */
  onBlock(listener: (blockNumber: number) => void): Promise<() => Promise<void>>;
  /** Mine blocks now (tests use this instead of waiting for the interval). */
  mine(blocks?: number): Promise<void>;
  /** Automine on or off; with it off, transactions wait in the mempool for the next block. */
  setAutomine(on: boolean): Promise<void>;
  /** Mine a block every `ms` (0 stops interval mining). */
  setBlockInterval(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface DevnetOptions {
  /** Serve JSON-RPC on 127.0.0.1 (port 0 = any free port). Omit for in-process only. */
  listen?: { port?: number; host?: string };
  /**
   * "op": an OP-stack chain (EDR's op chain type: the GasPriceOracle and L1Block predeploys, and an L1 data fee on
   * every transaction, set to a real chain's values by setL1FeeScalars). Default "l1".
   */
  chainType?: "l1" | "op";
  /** Default DEVNET_CHAIN_ID (Hardhat's 31337); tests that need a node of another chain set their own. */
  chainId?: number;
}

function networkConfig(chainType: "l1" | "op", chainId: number) {
  return {
    type: "edr-simulated" as const,
    chainType,
    chainId,
    // Priority ordering: a higher tip goes first in the block, as on a real chain.
    mining: { auto: true, interval: 0, mempool: { order: "priority" as const } },
  };
}

/**
 * EDR allocates with mimalloc, which hands memory unused for 10 ms back to the kernel. EDR traces every execution
 * (Hardhat's stack traces), in step buffers it grows anew for each call and block, so after every idle gap between
 * blocks the next mining and calls faulted their memory in again, each fault zeroing a 2 MB huge page: a quarter of
 * `orion devnet`'s CPU samples were the kernel's (`perf`), and mining six swaps after 350 ms idle took 15-43 ms of CPU
 * (means of ten blocks, load 8-12) against 5-13 ms with the memory kept. Kept, it is reused block after block, and
 * the process keeps its peak. Must be set before EDR's native module loads (the Hardhat import below); a value the
 * user set is left alone.
 */
function keepEdrMemory(): void {
  process.env.MIMALLOC_PURGE_DELAY ??= "-1";
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const chainType = options.chainType ?? "l1";
  const chainId = options.chainId ?? DEVNET_CHAIN_ID;
  keepEdrMemory();
  // Hardhat looks for its project from the working directory unless told; orion runs from anywhere (a user's home,
  // /tmp), so the project is the one this file ships in.
  // Imported here: everything that imports the chain module (every bot) would otherwise load Hardhat too.
  const { createHardhatRuntimeEnvironment } = await import("hardhat/hre");
  const hre = await createHardhatRuntimeEnvironment(
    { networks: { default: networkConfig(chainType, chainId) } },
    {},
    fileURLToPath(import.meta.url),
  );
  // One EDR provider serves both the devnet's own work (deployment, traders) in-process and the clients of its
  // endpoint: the traders no longer queue over loopback HTTP beside the clients.
  const connection = await hre.network.connect();
  const edr: EthereumProvider = connection.provider;
  const provider: Eip1193 = { request: (args) => edr.request(args) };
  let server: JsonRpcServer | null = null;
  if (options.listen) {
    try {
      server = await serveJsonRpc(edr, { host: options.listen.host ?? "127.0.0.1", port: options.listen.port ?? 0 });
    } catch (err) {
      await connection.close();
      throw err;
    }
  }
  const request = (method: string, params: unknown[] = []) => provider.request({ method, params });
  if (chainType === "op") await setL1FeeScalars(request);
  return {
    chainId,
    provider,
    url: server?.url ?? null,
    async blockNumber() {
      return Number(BigInt((await request("eth_blockNumber")) as string));
    },
    async mine(blocks = 1) {
      for (let i = 0; i < blocks; i++) await request("evm_mine");
    },
    async setAutomine(on) {
      await request("evm_setAutomine", [on]);
    },
    async setBlockInterval(ms) {
      await request("evm_setIntervalMining", [ms]);
    },
    async onBlock(listener) {
      const subscription = (await request("eth_subscribe", ["newHeads"])) as string;
      const forward = (event: SubscriptionEvent) => {
        if (event.subscription !== subscription) return;
        listener(Number(BigInt((event.result as { number: string }).number)));
      };
      edr.on("notification", forward);
      return async () => {
        edr.off("notification", forward);
        await request("eth_unsubscribe", [subscription]);
      };
    },
    async close() {
      await server?.close();
      await connection.close();
    },
  };
}
