/**
 * Simulated market: funded traders make random swaps on random pools every block, so DEX prices drift apart and
 * arbitrage appears, as it does on a real chain. Seeded, so a run can be replayed.
 */
import { Interface } from "ethers";
import { loadArtifacts } from "../contracts/index.ts";
import type { DeployedMarkets } from "./deploy.ts";
import type { Eip1193 } from "./eip1193.ts";
import { Rng } from "./rng.ts";

export interface TraderSimulatorOptions {
  seed: number;
  /** Swaps sent per block: uniform in [min, max]. */
  swapsPerBlock?: { min: number; max: number };
  /** Swap size as a fraction of the input reserve, log-uniform in [min, max). */
  sizeOfReserve?: { min: number; max: number };
  /** Traders' tip per gas; the executor outbids it, like a searcher on a real chain. */
  tipWei?: bigint;
}

export interface SimulatedSwap {
  trader: string;
  pool: string;
  tokenIn: string;
  amountIn: bigint;
  txHash: string;
}

export class TraderSimulator {
  private readonly rng: Rng;
  private readonly swapsPerBlock: { min: number; max: number };
  private readonly size: { min: number; max: number };
  private readonly tipWei: bigint;

  private constructor(
    private readonly chain: Eip1193,
    private readonly markets: DeployedMarkets,
    private readonly router: Interface,
    private readonly pair: Interface,
    options: TraderSimulatorOptions,
  ) {
    this.rng = new Rng(options.seed);
    this.swapsPerBlock = options.swapsPerBlock ?? { min: 2, max: 5 };
    this.size = options.sizeOfReserve ?? { min: 0.0005, max: 0.012 };
    this.tipWei = options.tipWei ?? 1_000_000_000n;
  }

  static async create(chain: Eip1193, markets: DeployedMarkets, options: TraderSimulatorOptions) {
    const artifacts = await loadArtifacts();
    return new TraderSimulator(
      chain,
      markets,
      new Interface(artifacts.SimRouter.abi),
      new Interface(artifacts.UniswapV2Pair.abi),
      options,
    );
  }

  /** Sends this block's swaps to the mempool (they land in the next block) and returns them. */
  async step(): Promise<SimulatedSwap[]> {
    const { min, max } = this.swapsPerBlock;
    const count = min + this.rng.int(max - min + 1);
    const swaps: SimulatedSwap[] = [];
    for (let i = 0; i < count; i++) {
      const pool = this.rng.pick(this.markets.pools);
      const trader = this.rng.pick(this.markets.traders);
      const zeroForOne = this.rng.next() < 0.5;
      const fraction = this.rng.logUniform(this.size.min, this.size.max);
      const reserves = this.pair.decodeFunctionResult(
        "getReserves",
        (await this.chain.request({
          method: "eth_call",
          // "latest", not "pending": a pending block re-executes the mempool on every call, and sizing needs no precision.
          params: [{ to: pool.address, data: this.pair.encodeFunctionData("getReserves") }, "latest"],
        })) as string,
      );
      const reserveIn = BigInt(zeroForOne ? reserves[0] : reserves[1]);
      // Parts per million keeps the size exact in bigint once drawn.
      const amountIn = (reserveIn * BigInt(Math.max(1, Math.round(fraction * 1e6)))) / 1_000_000n;
      if (amountIn === 0n) continue;
      const tokenIn = zeroForOne ? pool.token0 : pool.token1;
      const data = this.router.encodeFunctionData("swapExactIn", [pool.address, tokenIn, amountIn, 0n, trader]);
      const txHash = (await this.chain.request({
        method: "eth_sendTransaction",
        params: [
          {
            from: trader,
            to: this.markets.router,
            data,
            gas: "0x30d40",
            maxPriorityFeePerGas: `0x${this.tipWei.toString(16)}`,
            maxFeePerGas: `0x${(this.tipWei + 100_000_000_000n).toString(16)}`,
          },
        ],
      })) as string;
      swaps.push({ trader, pool: pool.address, tokenIn, amountIn, txHash });
    }
    return swaps;
  }
}
