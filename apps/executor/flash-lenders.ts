/**
 * The lenders an executor may borrow from, read from the chain: each lender's fee (once) and what it holds of a base
 * token (once per block). A Uniswap-V3 pool lends what it holds; an Aave V3 reserve what its aToken holds; a
 * Balancer V2 vault what it holds, at its fee collector's flash-loan fee. What chooseFlashSource() picks from.
 */
import { Interface, toQuantity } from "ethers";
import { addressWord, firstUint } from "./abi-words.ts";
import type { JsonRpcApiProvider } from "ethers";
import type { FlashLender } from "./flash-source.ts";
import { resultOf, rpcBatch } from "../chain/index.ts";

/** Where the lenders are: from the chain profile's `lenders`, and the V3 pools the scanner tracks. */
export interface FlashLenderConfig {
  aaveV3Pool?: string;
  balancerVault?: string;
  /** V3 pools that may lend (their tokens and fee): any of them holding the base token, not in the route. */
  v3Pools?: readonly { address: string; token0: string; token1: string; feePips: number }[];
}

export interface FlashLenderBook {
  /** Lenders able to lend `baseToken` as of `blockNumber`, with their fee and liquidity. */
  lenders(baseToken: string, blockNumber: number): Promise<FlashLender[]>;
}

/** balanceOf(address): read for every lender of every base token traded lately, at every head. */
const BALANCE_OF = "0x70a08231";
const aavePool = new Interface([
  "function FLASHLOAN_PREMIUM_TOTAL() view returns (uint128)",
  // Aave V3.0's ReserveData, of which only aTokenAddress (the 9th field) is used here.
  "function getReserveData(address) view returns (tuple(uint256 configuration, uint128 liquidityIndex, uint128 currentLiquidityRate, uint128 variableBorrowIndex, uint128 currentVariableBorrowRate, uint128 currentStableBorrowRate, uint40 lastUpdateTimestamp, uint16 id, address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress, address interestRateStrategyAddress, uint128 accruedToTreasury, uint128 unbacked, uint128 isolationModeTotalDebt))",
]);
const balancerVault = new Interface(["function getProtocolFeesCollector() view returns (address)"]);
const feesCollector = new Interface(["function getFlashLoanFeePercentage() view returns (uint256)"]);
const ZERO = "0x0000000000000000000000000000000000000000";
/** Blocks whose lenders are kept: the newest head's and the one before. */
const CACHED_BLOCKS = 2;

export class ChainFlashLenders implements FlashLenderBook {
  private aavePremium: Promise<bigint> | null = null;
  private balancerFee: Promise<bigint> | null = null;
  private readonly aTokens = new Map<string, Promise<string | null>>();
  /**
   * The lenders of each base token read at the last CACHED_BLOCKS blocks: a block's orders may alternate between base
   * tokens, and a late order of the previous block must not evict what was read ahead for the new head.
   */
  private readonly cached = new Map<number, Map<string, Promise<FlashLender[]>>>();

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly config: FlashLenderConfig,
  ) {}

  lenders(baseToken: string, blockNumber: number): Promise<FlashLender[]> {
    const base = baseToken.toLowerCase();
    let byBase = this.cached.get(blockNumber);
    if (!byBase) {
      const fresh = new Map<string, Promise<FlashLender[]>>();
      this.cached.set(blockNumber, fresh);
      if (this.cached.size > CACHED_BLOCKS) this.cached.delete(Math.min(...this.cached.keys()));
      byBase = fresh;
    }
    const known = byBase.get(base);
    if (known) return known;
    const read = this.read(base, blockNumber);
    // A failed read is not kept: the next order asks again.
    const block = byBase;
    read.catch(() => {
      if (block.get(base) === read) block.delete(base);
    });
    byBase.set(base, read);
    return read;
  }

  /**
   * Who may lend the token and at what fee (read once per lender), then what each holds at the block: those balances
   * in one batch: read ahead at the head (Executor, with heads), else by the block's first order before its simulation.
   */
  private async read(base: string, blockTag: number): Promise<FlashLender[]> {
    const { aaveV3Pool, balancerVault: vault, v3Pools = [] } = this.config;
    type Terms = Omit<FlashLender, "available"> & { holder: string };
    const terms: Promise<Terms | null>[] = [];
    for (const p of v3Pools) {
      if (p.token0.toLowerCase() !== base && p.token1.toLowerCase() !== base) continue;
      const address = p.address.toLowerCase();
      terms.push(
        Promise.resolve({ source: "v3-flash", address, fee: { kind: "v3-pips", pips: p.feePips }, holder: address }),
      );
    }
    if (aaveV3Pool) {
      terms.push(
        Promise.all([this.aTokenOf(aaveV3Pool, base), this.premiumOf(aaveV3Pool)]).then(([aToken, bps]) =>
          aToken === null
            ? null
            : { source: "aave-v3", address: aaveV3Pool.toLowerCase(), fee: { kind: "aave-bps", bps }, holder: aToken },
        ),
      );
    }
    if (vault) {
      terms.push(
        this.balancerFeeOf(vault).then((wad) => ({
          source: "balancer",
          address: vault.toLowerCase(),
          fee: { kind: "balancer-wad", wad },
          holder: vault,
        })),
      );
    }
    const lenders = (await Promise.all(terms)).filter((l): l is Terms => l !== null);
    const answers = await rpcBatch(
      this.provider,
      lenders.map((l) => ({
        method: "eth_call",
        params: [{ to: base, data: BALANCE_OF + addressWord(l.holder, "lender") }, toQuantity(blockTag)],
      })),
    );
    return lenders.map(({ holder: _holder, ...lender }, i) => {
      const held = firstUint(resultOf(answers[i]) as string, `${base}.balanceOf(${lender.address})`);
      return { ...lender, available: new Map([[base, held]]) };
    });
  }

  private async call(to: string, iface: Interface, fn: string, args: unknown[]) {
    const data = iface.encodeFunctionData(fn, args);
    return iface.decodeFunctionResult(fn, await this.provider.call({ to, data }));
  }

  private premiumOf(pool: string): Promise<bigint> {
    if (!this.aavePremium) {
      const premium = this.call(pool, aavePool, "FLASHLOAN_PREMIUM_TOTAL", []).then((r) => BigInt(r[0]));
      premium.catch(() => (this.aavePremium = null));
      this.aavePremium = premium;
    }
    return this.aavePremium;
  }

  /** The reserve's aToken, or null when the pool lists no reserve of the token. */
  private aTokenOf(pool: string, asset: string): Promise<string | null> {
    let found = this.aTokens.get(asset);
    if (!found) {
      found = this.call(pool, aavePool, "getReserveData", [asset]).then((r) => {
        const aToken = String(r[0].aTokenAddress).toLowerCase();
        return aToken === ZERO ? null : aToken;
      });
      found.catch(() => this.aTokens.delete(asset));
      this.aTokens.set(asset, found);
    }
    return found;
  }

  private balancerFeeOf(vault: string): Promise<bigint> {
    if (!this.balancerFee) {
      const fee = this.call(vault, balancerVault, "getProtocolFeesCollector", []).then(async (r) =>
        BigInt((await this.call(String(r[0]), feesCollector, "getFlashLoanFeePercentage", []))[0]),
      );
      fee.catch(() => (this.balancerFee = null));
      this.balancerFee = fee;
    }
    return this.balancerFee;
  }
}
