/**
 * The EOA route: the trade is a transaction from the executor's account, signed here with the next nonce, journaled
 * with its hash, then broadcast (nonces taken in turn, broadcasts in nonce order: NonceManager). Resolution: a receipt
 * for any of its hashes (a stuck trade is replaced on its nonce with a fee bump, and the old version may still be the
 * one mined), else the nonce taken by another transaction, else gone past its deadlines.
 */
import { keccak256, type JsonRpcApiProvider, type TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { EoaIntent, FinalOutcome, InFlightTrade, Order } from "../../domain/index.ts";
import { profitShareTip } from "../bid.ts";
import { isPastDeadline } from "../deadline.ts";
import { bumpFees, DEFAULT_FEE_BUMP_BPS, gasLimitFor, txFees, type FeePolicy, type TxFees } from "../fee-policy.ts";
import { LeaseLost, type ExecutorLease } from "../lease.ts";
import { NonceManager } from "../nonce-manager.ts";
import type { TradeJournal } from "../ports.ts";
import type { TxSigner } from "../signer.ts";
import type { UnsignedTx } from "../transaction.ts";
import { publicMempool, type Broadcaster } from "../submission/broadcaster.ts";
import { CallGas } from "./call-gas.ts";
import { tradeBase } from "./intent.ts";
import { MinedTrades } from "./mined.ts";
import { UnminableTrades } from "./unminable.ts";
import {
  dropped,
  type Deadlines,
  type ExecutionRoute,
  type GasCheck,
  type Prepared,
  type SendRequest,
  type SentTrade,
  type SignedAhead,
} from "./route.ts";

export interface EoaRouteDeps {
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  account: string;
  contract: string;
  signer: TxSigner | null;
  mined: MinedTrades;
  fees: FeePolicy;
  tip: bigint;
  /** A fixed gas limit; null: eth_estimateGas plus gasMarginBps. */
  gasLimit: bigint | null;
  gasMarginBps?: number | undefined;
  /**
   * What a call's gas depends on (ExecutorCodec.routeOf): the last estimate of the route, or else of a route of the
   * same shape, is re-checked with one eth_call instead of a new eth_estimateGas. Absent: every trade is estimated.
   */
  routeOf?: ((data: string) => { route: string; shape: string }) | undefined;
  lease?: Pick<ExecutorLease, "current"> | undefined;
  log?: Logger | undefined;
  /**
   * A trade still unmined this many blocks after the head it was sent at is stuck: re-signed on its nonce with every
   * fee raised by `bumpBps` (and to the current base fee), at most `max` times, only while its deadlines leave a
   * block to land in. Defaults 1, 1250 (12.5%), 3.
   */
  replace?: { afterBlocks?: number; bumpBps?: number; max?: number } | undefined;
  /** How signed trades leave (default: the public mempool of `provider`). */
  broadcaster?: Broadcaster | undefined;
  /**
   * A profit-share bid: the tip is `shareBps` of the simulated profit (valued in wei by `profitToWei`) over the gas
   * limit, capped so that the minimum profit remains (bid.ts). Without it every trade tips `tip`.
   */
  bid?: { shareBps: number; profitToWei: (token: string, amount: bigint) => bigint } | undefined;
  /** Each bundle whose target block was built before it arrived: sent for a later block, or dropped and why. */
  onRetarget?: ((order: Order, outcome: BundleRetarget) => void) | undefined;
}

/**
 * What became of a bundle whose target block was built before it reached the relay: `retargeted` (sent for the next
 * block), or dropped because the next block is past its deadline, because the trade no longer succeeds at the new
 * head (`stale`), or because it was already retargeted MAX_RETARGETS times (`bound`).
 */
export type BundleRetarget = "retargeted" | "past-deadline" | "stale" | "bound";

/** Where no block deadline binds (Arbitrum), the time deadline alone would allow many blocks: at most this many. */
const MAX_RETARGETS = 2;

/** What a trade this route signed needs for a replacement: the same call, nonce and chain, and the fees it offers. */
interface Signed {
  chainId: bigint;
  data: string;
  gasLimit: bigint;
  fees: TxFees;
  /** The head when the current version was sent: it is stuck once `afterBlocks` more pass without it. */
  sentAtBlock: number;
  replacements: number;
  /** The signed transaction, handed over again when a bundle's block passed without it. */
  raw: string;
  /** The block the current hand-over targets. */
  targetBlock: number;
  /** A version is mined and waits for its confirmations: nothing to replace (its nonce is spent). */
  mined: boolean;
}

const RETARGET_REASONS: Record<Exclude<BundleRetarget, "retargeted">, string> = {
  "past-deadline": "the next block is past its deadline",
  stale: "it no longer succeeds at the new head",
  bound: `it was already sent for ${MAX_RETARGETS} later blocks`,
};

/** The node refused the transaction; the trade is recorded as dropped and its nonce is free again. */
export class BroadcastRefused extends Error {
  override readonly name = "BroadcastRefused";
}

export class EoaRoute implements ExecutionRoute {
  readonly kind = "eoa";
  readonly account: string;
  readonly contract: string;
  private readonly nonces: NonceManager;
  private chainId: bigint | undefined;
  /** Trades this instance signed and still follows; only these can be replaced (their fees are known here). */
  private readonly signed = new Map<string, Signed>();
  /** Rows a failed journal write left in flight for trades nothing can include: resolve() drops them at once. */
  private readonly unminable = new UnminableTrades();
  private readonly broadcaster: Broadcaster;
  private readonly callGas: CallGas;

  constructor(private readonly d: EoaRouteDeps) {
    this.broadcaster = d.broadcaster ?? publicMempool(d.provider);
    this.account = d.account.toLowerCase();
    this.contract = d.contract.toLowerCase();
    if (d.signer && d.signer.address !== this.account) {
      throw new Error(`signer ${d.signer.address} is not the executor account ${this.account}`);
    }
    this.nonces = new NonceManager(d.provider, d.journal, this.account);
    this.callGas = new CallGas({
      provider: d.provider,
      from: this.account,
      to: this.contract,
      gasMarginBps: d.gasMarginBps,
      routeOf: d.routeOf,
    });
  }

  get canSign(): boolean {
    return this.d.signer !== null;
  }

  reset(): void {
    this.nonces.reset();
  }

  async prepare(_order: Order, data: string, _deadlines?: Deadlines, checked?: GasCheck): Promise<Prepared> {
    const gasLimit = await this.gasLimitOf(data, checked);
    // The trade would revert; the simulation running alongside says why.
    if (gasLimit === null) return { ok: false, reason: "eth_estimateGas failed although the simulation passed" };
    return { ok: true, maxGasCostWei: null, send: (req) => this.send(req, gasLimit) };
  }

  /** The fixed limit, or the gas the call needs at "latest" plus the margin (call-gas.ts). */
  private async gasLimitOf(data: string, checked?: GasCheck): Promise<bigint | null> {
    return this.d.gasLimit ?? this.callGas.limitOf(data, checked);
  }

  knownGas(data: string, budget: bigint | null = null): bigint | null {
    if (this.d.gasLimit !== null) return null;
    // A profit-share bid spreads its tip over the gas limit: a budget's limit, above an estimate's, would bid less.
    return this.callGas.knownGas(data, this.d.bid ? null : budget);
  }

  /**
   * The transaction send() would sign if the simulation with `gas` passes (prepare()'s limit from that check), the
   * head is still the order block and the nonce is the one reserved: signed on this thread while the node runs the
   * simulation. Not with a profit-share bid (the tip depends on the simulated profit). A failure is a miss, not the
   * order's: send() signs afresh.
   */
  async signAhead(data: string, gas: bigint, baseFee: bigint): Promise<SignedAhead | null> {
    const { signer } = this.d;
    if (!signer || this.d.bid) return null;
    // After the simulation's request has left: signing takes this thread for milliseconds.
    await new Promise((resolve) => setImmediate(resolve));
    const chainId = await this.getChainId().catch(() => null);
    const reserved = chainId === null ? null : this.nonces.reserve();
    if (chainId === null || reserved === null) return null;
    try {
      const fees = txFees(this.d.fees, baseFee, this.d.tip);
      const tx = this.transaction(chainId, data, reserved.nonce, gasLimitFor(gas, this.d.gasMarginBps), fees);
      return { key: txKey(tx), raw: await signer.signTransaction(tx), release: reserved.release };
    } catch (err) {
      reserved.release();
      this.d.log?.debug({ err }, "signing ahead failed: the trade signs at send");
      return null;
    }
  }

  /** The executor's call as a transaction of this route. */
  private transaction(chainId: bigint, data: string, nonce: number, gasLimit: bigint, fees: TxFees): UnsignedTx {
    return { ...fees, chainId, to: this.contract, data, nonce, gasLimit, value: 0n };
  }

  private async send(req: SendRequest, gasLimit: bigint): Promise<SentTrade> {
    const { provider, journal, signer } = this.d;
    if (!signer) throw new Error("the EOA route has no signing key loaded");
    const { id, order, fence, timings } = req;
    const chainId = await this.getChainId();
    const fees = txFees(this.d.fees, req.baseFee, this.tipFor(req, gasLimit));
    // Signed while the trade was simulated: awaited before the order joins the nonce queue, which the block's other
    // orders wait in. Its reservation ends as the order joins that queue, which counts it from there.
    const ahead = req.ahead ? await req.ahead : null;
    ahead?.release();
    // The nonce, the signature and the intent, one order at a time; the broadcast in nonce order, while the next order
    // prepares (NonceManager). The status update after the broadcast is outside both: if it fails, the row stays
    // pending with its hash (reconciliation resolves it) and the nonce is spent either way.
    const sent = await this.nonces.withNonce({
      prepare: async (nonce) => {
        const tx = this.transaction(chainId, req.data, nonce, gasLimit, fees);
        const raw = ahead?.key === txKey(tx) ? ahead.raw : await signer.signTransaction(tx);
        const intent: EoaIntent = {
          ...tradeBase(id, order, "eoa", req.flashSource),
          route: "eoa",
          mode: "live",
          account: this.account,
          nonce,
          txHash: keccak256(raw),
          ...req.deadlines,
        };
        await this.unminable.write(id, () => journal.recordIntent(intent, fence ?? undefined));
        return { raw, intent };
      },
      send: async ({ raw, intent }) => {
        // The last check before the chain: a lease lost while signing and journaling sends nothing.
        if (fence && this.d.lease?.current()?.token !== fence.token) {
          await this.unminable.write(id, () => journal.markFinal(id, dropped()));
          throw new LeaseLost(`trade ${id} not broadcast: the signing lease was lost before the broadcast`);
        }
        let targetBlock = req.blockNumber + 1;
        try {
          await this.broadcaster.broadcast(raw, targetBlock);
        } catch (err) {
          const next = this.broadcaster.expiresWithBlock ? await this.retarget(req, raw, gasLimit, targetBlock) : null;
          if (typeof next === "number") {
            targetBlock = next;
          } else if (next !== null) {
            await this.unminable.write(id, () => journal.markFinal(id, dropped()));
            throw new BroadcastRefused(
              `trade ${id} dropped (${next}): its bundle came after block ${targetBlock} was built, and ` +
                RETARGET_REASONS[next],
              { cause: err },
            );
          } else if (!(await provider.getTransaction(intent.txHash))) {
            // A node that refuses a transaction does not hold it; one that merely timed out might.
            await this.unminable.write(id, () => journal.markFinal(id, dropped()));
            throw new BroadcastRefused(`broadcast of trade ${id} refused: ${(err as Error).message}`, { cause: err });
          }
        }
        // Stamped at the broadcast: the journal's status update is bookkeeping, not latency the trade pays.
        timings.sentAt = performance.now();
        this.signed.set(id, {
          chainId,
          data: req.data,
          gasLimit,
          fees,
          sentAtBlock: req.blockNumber,
          replacements: 0,
          raw,
          targetBlock,
          mined: false,
        });
        return { intent };
      },
      abandon: async (_prepared, nonce, cause) => {
        await this.unminable.write(id, () => journal.markFinal(id, dropped()));
        return new BroadcastRefused(
          `trade ${id} not sent: the transaction before it (nonce ${nonce - 1}) was not, and nonce ${nonce} would ` +
            `wait behind that gap: ${(cause as Error).message}`,
          { cause },
        );
      },
    });
    await journal.markSent(id, sent.intent.txHash);
    return sent;
  }

  /**
   * A bundle refused because its target block was built before it arrived (the relay builds on its own clock; the
   * order came late): the same signed transaction goes for the next block instead, while the deadlines leave one and
   * the trade still succeeds at the new head (it was simulated on an older one, and a bundle that would revert only
   * wastes the relay's try), at most MAX_RETARGETS times. Null when the target is still ahead: refused for another
   * reason. Else the block it went for, or why it was dropped.
   */
  private async retarget(
    req: SendRequest,
    raw: string,
    gasLimit: bigint,
    built: number,
  ): Promise<number | Exclude<BundleRetarget, "retargeted"> | null> {
    const drop = (why: Exclude<BundleRetarget, "retargeted">) => {
      this.d.onRetarget?.(req.order, why);
      return why;
    };
    let target = built;
    for (let tries = 0; ; tries++) {
      const head = await this.d.provider.getBlock("latest");
      if (!head || head.number < target) return null;
      if (tries === MAX_RETARGETS) return drop("bound");
      const next = head.number + 1;
      if (isPastDeadline(req.deadlines, { number: next, timestamp: head.timestamp + 1 })) return drop("past-deadline");
      if (!(await this.callGas.succeedsWith(req.data, gasLimit))) return drop("stale");
      try {
        await this.broadcaster.broadcast(raw, next);
        this.d.onRetarget?.(req.order, "retargeted");
        this.d.log?.info({ opportunity: req.order.opportunityId, from: target, block: next }, "bundle retargeted");
        return next;
      } catch {
        // Built again before it arrived, or refused for another reason: the head read next tells which.
        target = next;
      }
    }
  }

  /** The run's tip, or the profit-share bid when one is set (never under the chain's floor; txFees applies it). */
  private tipFor(req: SendRequest, gasLimit: bigint): bigint {
    const bid = this.d.bid;
    if (!bid) return this.d.tip;
    return profitShareTip({
      profitWei: bid.profitToWei(req.order.baseToken, req.profit),
      minProfitWei: bid.profitToWei(req.order.baseToken, req.order.minProfit),
      gasLimit,
      baseFee: req.baseFee,
      shareBps: bid.shareBps,
      floorWei: this.d.fees.minPriorityFeeWei,
    });
  }

  async poll(trade: InFlightTrade): Promise<FinalOutcome | null> {
    const receipt = await this.d.provider.getTransactionReceipt(eoaHash(trade));
    return receipt ? this.d.mined.outcome(trade, receipt, MinedTrades.wholeTransaction(receipt)) : null;
  }

  async resolve(trade: InFlightTrade): Promise<FinalOutcome | null> {
    if (this.unminable.take(trade.id)) return dropped();
    const { provider } = this.d;
    const hashes = allHashes(trade);
    const receipt = await this.minedVersion(hashes);
    const signed = this.signed.get(trade.id);
    // Cleared when a reorg took the version out of the chain again: stuck or not, it is then judged as unmined.
    if (signed) signed.mined = receipt !== null;
    if (receipt) return this.settle(trade, receipt);
    const used = await provider.getTransactionCount(trade.account, "latest");
    if (used > trade.nonce) {
      // Mined between the two calls, or the nonce went to another transaction.
      const late = await this.minedVersion(hashes);
      return late ? this.settle(trade, late) : this.settle(trade, null);
    }
    // Unknown to the node past a deadline: even if it surfaced later, the contract would revert it.
    const head = await provider.getBlock("latest");
    if (head && isPastDeadline(trade, head)) {
      const known = await Promise.all(hashes.map((h) => provider.getTransaction(h)));
      if (known.every((t) => t === null)) return this.settle(trade, null);
    }
    return null;
  }

  /**
   * Re-signs a stuck trade on its nonce with bumped fees, journals the new hash (before the broadcast, as for the
   * first version), and broadcasts it. Not stuck yet, out of replacements, or with no block left before a deadline
   * (a replacement would only buy a revert): the trade as it is. A refused replacement leaves every hash followed.
   */
  async unstick(trade: InFlightTrade): Promise<InFlightTrade> {
    const signed = this.signed.get(trade.id);
    const signer = this.d.signer;
    if (!signed || !signer || signed.mined || trade.route === "erc4337") return trade;
    if (this.broadcaster.expiresWithBlock) return this.handOverAgain(trade, signed);
    const { afterBlocks = 1, bumpBps = DEFAULT_FEE_BUMP_BPS, max = 3 } = this.d.replace ?? {};
    const head = await this.d.provider.getBlock("latest");
    if (!head || signed.replacements >= max || head.number < signed.sentAtBlock + afterBlocks) return trade;
    // The earliest block a replacement can land in is the next one, at least a second later.
    if (isPastDeadline(trade, { number: head.number + 1, timestamp: head.timestamp + 1 })) return trade;
    const fees = bumpFees(signed.fees, txFees(this.d.fees, head.baseFeePerGas ?? 0n, this.d.tip), bumpBps);
    const raw = await signer.signTransaction({
      ...fees,
      chainId: signed.chainId,
      to: this.contract,
      data: signed.data,
      nonce: trade.nonce,
      gasLimit: signed.gasLimit,
      value: 0n,
    });
    const txHash = keccak256(raw);
    await this.d.journal.markReplaced(trade.id, trade.txHash, txHash);
    Object.assign(signed, {
      fees,
      sentAtBlock: head.number,
      replacements: signed.replacements + 1,
      raw,
      targetBlock: head.number + 1,
    });
    try {
      await this.broadcaster.broadcast(raw, head.number + 1);
      this.d.log?.info(
        { trade: trade.id, nonce: trade.nonce, replaced: trade.txHash, tx: txHash },
        "stuck trade replaced",
      );
    } catch (err) {
      // The old version may have been mined meanwhile (nonce too low) or the bump refused: the next look settles it.
      this.d.log?.warn({ err, trade: trade.id, tx: txHash }, "replacement refused by the node");
    }
    return { ...trade, txHash, replacedTxHashes: [...trade.replacedTxHashes, trade.txHash] };
  }

  /**
   * A bundle is valid for its target block only: once that block is out without the trade, the same signed
   * transaction goes again for the next block, while the deadlines leave it one. Nothing is re-signed: the bid
   * stands, and a bundle that did not land cost nothing.
   */
  private async handOverAgain(trade: InFlightTrade, signed: Signed): Promise<InFlightTrade> {
    const head = await this.d.provider.getBlock("latest");
    if (!head || head.number < signed.targetBlock) return trade;
    if (isPastDeadline(trade, { number: head.number + 1, timestamp: head.timestamp + 1 })) return trade;
    signed.targetBlock = head.number + 1;
    try {
      await this.broadcaster.broadcast(signed.raw, signed.targetBlock);
      this.d.log?.info({ trade: trade.id, block: signed.targetBlock }, "bundle sent again for the next block");
    } catch (err) {
      this.d.log?.warn({ err, trade: trade.id }, "bundle refused by the relay");
    }
    return trade;
  }

  /** The receipt of whichever version of the trade was mined, newest first; null when none was. */
  private async minedVersion(hashes: string[]): Promise<TransactionReceipt | null> {
    for (const hash of hashes) {
      const receipt = await this.d.provider.getTransactionReceipt(hash);
      if (receipt) return receipt;
    }
    return null;
  }

  /** The verdict from a mined version (dropped when none was), and the trade's replacement state let go once final. */
  private async settle(trade: InFlightTrade, receipt: TransactionReceipt | null): Promise<FinalOutcome | null> {
    const outcome = receipt
      ? await this.d.mined.outcome(trade, receipt, MinedTrades.wholeTransaction(receipt))
      : dropped();
    if (outcome) this.signed.delete(trade.id);
    // A trade that never landed leaves its nonce unused: the next trade must take it, not the one after.
    if (outcome?.status === "dropped") this.nonces.reset();
    return outcome;
  }

  private async getChainId(): Promise<bigint> {
    this.chainId ??= (await this.d.provider.getNetwork()).chainId;
    return this.chainId;
  }
}

function eoaHash(trade: InFlightTrade): string {
  if (trade.route === "erc4337") throw new Error(`trade ${trade.id} is an ERC-4337 trade, not the EOA route's`);
  return trade.txHash;
}

/** Every version of an EOA trade, newest first. */
function allHashes(trade: InFlightTrade): string[] {
  return [eoaHash(trade), ...trade.replacedTxHashes.slice().reverse()];
}

/** Everything a transaction's signature covers, so that a signature made ahead is used only for that very one. */
function txKey(tx: UnsignedTx): string {
  const price = tx.type === 2 ? `${tx.maxFeePerGas}/${tx.maxPriorityFeePerGas}` : `${tx.gasPrice}`;
  return [tx.type, tx.chainId, tx.nonce, tx.gasLimit, price, tx.to, tx.value, tx.data].join("|");
}
