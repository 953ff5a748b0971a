/**
 * Simulated market: funded traders make random swaps on random pools every block (the V2 pairs and, where the
 * markets have them, the V3 pools), so DEX prices drift apart and arbitrage appears, as it does on a real chain.
 * Seeded, so a run can be replayed.
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
  /** Swaps in the Uniswap-V3 pools per block (when the markets have them), uniform in [min, max]. */
  v3SwapsPerBlock?: { min: number; max: number };
}

export interface SimulatedSwap {
  trader: string;
  pool: string;
  protocol: "uniswap-v2" | "uniswap-v3";
  tokenIn: string;
  amountIn: bigint;
  txHash: string;
}

export class TraderSimulator {
  private readonly rng: Rng;
  /** V3 swaps draw from their own stream, so the V2 swaps of a seed are the same with or without V3 pools. */
  private readonly v3Rng: Rng;
  private readonly swapsPerBlock: { min: number; max: number };
  private readonly v3SwapsPerBlock: { min: number; max: number };
  private readonly size: { min: number; max: number };
  private readonly tipWei: bigint;

  private constructor(
    private readonly chain: Eip1193,
    private readonly markets: DeployedMarkets,
    private readonly router: Interface,
    private readonly pair: Interface,
    private readonly v3Router: Interface,
    private readonly v3Pool: Interface,
    options: TraderSimulatorOptions,
  ) {
    this.rng = new Rng(options.seed);
    this.v3Rng = new Rng(options.seed ^ 0x3c6e_f372);
    this.swapsPerBlock = options.swapsPerBlock ?? { min: 2, max: 5 };
    this.v3SwapsPerBlock = options.v3SwapsPerBlock ?? { min: 1, max: 3 };
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
      new Interface(artifacts.V3SimRouter.abi),
      new Interface(artifacts.UniswapV3Pool.abi),
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
      const txHash = await this.send(trader, this.markets.router, data, 200_000);
      swaps.push({ trader, pool: pool.address, protocol: "uniswap-v2", tokenIn, amountIn, txHash });
    }
    const v3 = this.markets.v3;
    if (v3 && v3.pools.length > 0) {
      const r = this.v3SwapsPerBlock;
      const v3Count = r.min + this.v3Rng.int(r.max - r.min + 1);
      for (let i = 0; i < v3Count; i++) {
        const pool = this.v3Rng.pick(v3.pools);
        const trader = this.v3Rng.pick(this.markets.traders);
        const zeroForOne = this.v3Rng.next() < 0.5;
        const fraction = this.v3Rng.logUniform(this.size.min, this.size.max);
        const read = async (fn: string) =>
          this.v3Pool.decodeFunctionResult(
            fn,
            (await this.chain.request({
              method: "eth_call",
              params: [{ to: pool.address, data: this.v3Pool.encodeFunctionData(fn) }, "latest"],
            })) as string,
          );
        const [slot0, liquidity] = await Promise.all([read("slot0"), read("liquidity")]);
        const sqrtPrice = BigInt(slot0[0]);
        const inRange = BigInt(liquidity[0]);
        // The in-range liquidity as a V2 pool's reserve of the token sold: L/sqrtP of token0, L*sqrtP of token1.
        const reserveIn = zeroForOne ? (inRange << 96n) / sqrtPrice : (inRange * sqrtPrice) >> 96n;
        const amountIn = (reserveIn * BigInt(Math.max(1, Math.round(fraction * 1e6)))) / 1_000_000n;
        if (amountIn === 0n) continue;
        const data = this.v3Router.encodeFunctionData("swap", [pool.address, zeroForOne, amountIn, 0, 0, trader]);
        // A V3 swap walks the tick bitmap word by word and crosses ticks: far more gas than a V2 swap.
        const txHash = await this.send(trader, v3.router, data, 1_500_000);
        const tokenIn = zeroForOne ? pool.token0 : pool.token1;
        swaps.push({ trader, pool: pool.address, protocol: "uniswap-v3", tokenIn, amountIn, txHash });
      }
    }
    return swaps;
  }

  private async send(from: string, to: string, data: string, gas: number): Promise<string> {
    return (await this.chain.request({
      method: "eth_sendTransaction",
      params: [
        {
          from,
          to,
          data,
          gas: `0x${gas.toString(16)}`,
          maxPriorityFeePerGas: `0x${this.tipWei.toString(16)}`,
          maxFeePerGas: `0x${(this.tipWei + 100_000_000_000n).toString(16)}`,
        },
      ],
    })) as string;
  }
}
