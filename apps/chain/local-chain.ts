/** The whole local chain in one call: devnet, deployed markets, and the trader simulator, ready to mine. */
import { DEFAULT_MARKETS } from "./markets.ts";
import type { MarketSpec } from "./markets.ts";
import type { DeployedMarkets } from "./deploy.ts";
import { deployMarkets } from "./deploy.ts";
import type { DevAccount, Devnet, DevnetOptions } from "./devnet.ts";
import { devAccounts, startDevnet } from "./devnet.ts";
import { TraderSimulator } from "./trader-simulator.ts";
import type { TraderSimulatorOptions } from "./trader-simulator.ts";

export interface LocalChain {
  devnet: Devnet;
  markets: DeployedMarkets;
  simulator: TraderSimulator;
  /**
   * The executor's sending account (the contract's operator; the deployer is its owner, the cold admin). Its key is a
   * public devnet key.
   */
  executorAccount: DevAccount;
  /**
   * Lets the traders swap once per new block, as outside traders would, until the returned stop() is called.
   * For interval mining (`orion dev`); tests call simulator.step() and devnet.mine() themselves. `delayMs` after
   * each new head (default 0): see traderDelayMs.
   */
  startTraders(onError: (err: unknown) => void, o?: { delayMs?: number }): () => Promise<void>;
  close(): Promise<void>;
}

export interface LocalChainOptions extends DevnetOptions {
  seed?: number;
  spec?: MarketSpec;
  /** Interval mining in ms after setup; 0 (default) leaves mining to devnet.mine(). */
  blockIntervalMs?: number;
  simulator?: Omit<TraderSimulatorOptions, "seed">;
}

// Fixed roles among the devnet accounts: 0 deploys (and owns the executor contract: its cold admin), 1 sends the
// executor's trades, 2 receives profit, 10..19 trade.
const ROLES = { deployer: 0, executor: 1, treasury: 2, firstTrader: 10, traders: 10 } as const;

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const seed = options.seed ?? 1;
  const devnet = await startDevnet({
    ...(options.listen ? { listen: options.listen } : {}),
    ...(options.chainType ? { chainType: options.chainType } : {}),
  });
  try {
    const accounts = devAccounts(ROLES.firstTrader + ROLES.traders);
    const role = (i: number) => accounts[i] as DevAccount;
    const markets = await deployMarkets(devnet.provider, {
      spec: options.spec ?? DEFAULT_MARKETS,
      seed,
      deployer: role(ROLES.deployer).address,
      executorOwner: role(ROLES.deployer).address,
      executorOperator: role(ROLES.executor).address,
      treasury: role(ROLES.treasury).address,
      traders: accounts.slice(ROLES.firstTrader).map((a) => a.address),
    });
    const simulator = await TraderSimulator.create(devnet.provider, markets, { ...options.simulator, seed });
    await devnet.setAutomine(false);
    if (options.blockIntervalMs) await devnet.setBlockInterval(options.blockIntervalMs);
    return {
      devnet,
      markets,
      simulator,
      executorAccount: role(ROLES.executor),
      startTraders: (onError, o = {}) => runTraders(devnet, simulator, onError, o.delayMs ?? 0),
      close: () => devnet.close(),
    };
  } catch (err) {
    await devnet.close();
    throw err;
  }
}

/**
 * How long the traders wait after a head before they swap, for blocks every `blockMs`: 40% of the block, at most
 * 200 ms. Outside traders' transactions reach a real node throughout a block, and it serves them beside everyone's
 * calls; the devnet answers one request at a time, so a burst of swaps (about fifteen requests) at the head would queue
 * the searcher's own reads and simulations of the new block behind them.
 */
export function traderDelayMs(blockMs: number): number {
  return Math.min(Math.floor(blockMs * 0.4), 200);
}

function runTraders(
  devnet: Devnet,
  simulator: TraderSimulator,
  onError: (err: unknown) => void,
  delayMs: number,
): () => Promise<void> {
  let running = true;
  let latest = 0;
  let wake = () => {};
  const loop = (async () => {
    // Heads from the node's own subscription, in-process: polling the head every 20 ms was a third of the requests
    // the devnet served in a block, each one queued beside the searcher's.
    const stopHeads = await devnet.onBlock((n) => {
      latest = Math.max(latest, n);
      wake();
    });
    try {
      let done = await devnet.blockNumber();
      while (running) {
        if (latest <= done) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        // Heads that came during the last step are one step, as a trader who looked at the chain once would.
        done = latest;
        try {
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          await simulator.step();
        } catch (err) {
          onError(err);
        }
      }
    } finally {
      await stopHeads();
    }
  })().catch(onError);
  return async () => {
    running = false;
    wake();
    await loop;
  };
}
