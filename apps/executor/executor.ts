/**
 * The executor: turns an order into calldata, simulates it with eth_call at the latest block, and then either
 * records the simulation (sim) or signs, journals, broadcasts and follows the transaction to its receipt (live).
 *
 * Safety, in order of the live path: the mode is re-read right before signing (an unreadable mode sends nothing);
 * there is no signer at all in sim; the trade row, with its nonce and hash, is durable before the broadcast (and so
 * is each fee-bumped replacement's hash); a restart resolves every in-flight row from the chain (a receipt for any of
 * its hashes, else the nonce used by another transaction, else gone past its deadlines) and sends nothing for it;
 * new live orders wait until that is done.
 */
import { randomUUID } from "node:crypto";
import { keccak256 } from "ethers";
import type { InterfaceAbi, JsonRpcApiProvider, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import { ExecutorCodec, countPrecedingTouches } from "./calldata.ts";
import { BACKSTOP_SECONDS, deadlinesOf, isPastDeadline, type DeadlinePolicy } from "./deadline.ts";
import { bumpFees, gasLimitFor, txFees, type FeePolicy, type TxFees } from "./fee-policy.ts";
import { LeaseLost } from "./lease.ts";
import type { ExecutorLease, Fence } from "./lease.ts";
import { NonceManager } from "./nonce-manager.ts";
import type { FinalOutcome, FinalStatus, InFlightTrade, LiveIntent, Mode, Order } from "../domain/index.ts";
import type { TradeJournal } from "./ports.ts";
import type { TxSigner } from "./signer.ts";

export interface ExecutorOptions {
  /** A fixed gas limit for execute(). Default: eth_estimateGas of each trade plus gasMarginBps. */
  gasLimit?: bigint;
  /** Margin over eth_estimateGas, in basis points. Default 2000 (20%). */
  gasMarginBps?: number;
  /** The chain's fee policy (transaction type, the tip's floor). Default EIP-1559 with no floor. */
  fees?: FeePolicy;
  /**
   * Blocks on top of a trade's block before its outcome is final. Until then a reorg that orphans the block sends
   * the trade back to being followed (re-mined elsewhere, or dropped when its nonce went to another transaction).
   * Default 0: final at the receipt.
   */
  confirmations?: number;
  /**
   * The contract reverts after order.blockNumber + deadlineBlocks (null: no block deadline, for chains where
   * block.number is not the L2 block, i.e. Arbitrum), and after the head's timestamp at simulation +
   * deadlineSeconds. Defaults 2 and 60 (see deadlinePolicy()).
   */
  deadlineBlocks?: number | null;
  deadlineSeconds?: number;
  /**
   * A sent trade still not mined this many blocks after the head it was sent at is stuck (its fee fell under the
   * market's): it is re-signed on the same nonce with fees raised by feeBumpBps (and to the current base fee), at
   * most maxReplacements times, and only while its deadlines leave a block to land in. Defaults 1, 1250 (12.5%), 3.
   */
  replaceAfterBlocks?: number;
  feeBumpBps?: number;
  maxReplacements?: number;
  /** Tip per gas; above the market's so the trade lands first in the block. Default 2 gwei. */
  priorityFeeWei?: bigint;
  /** How often a sent transaction's receipt is looked for. Default 20 ms. */
  receiptPollMs?: number;
  /**
   * Sim against a chain where the contract was never deployed: its code (and storage) is injected into every
   * simulation by an eth_call state override (see simulatedExecutor()). Never set for live.
   */
  stateOverride?: StateOverride;
}

/** eth_call's third parameter: per address, the code and storage slots to assume. */
export type StateOverride = Record<string, { code?: string; stateDiff?: Record<string, string> }>;

export interface ExecutorDeps {
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  /** The current mode from the coordination store; the live broadcast path calls it right before signing. */
  readMode: () => Promise<Mode>;
  contract: { address: string; abi: InterfaceAbi };
  /** The sending account (the contract's owner); simulations run from it, in both modes. */
  account: string;
  /** Only in live mode. Sim runs construct none, so no key is loaded. */
  signer: TxSigner | null;
  /** Fee in basis points of each pool the executor may route through. */
  feeOf: (pool: string) => number;
  log?: Logger;
  options?: ExecutorOptions;
  /**
   * The signing lease when several executors share the key (one per region): live orders are sent only under its
   * current fence, and the journal refuses an intent under a fence that is no longer current. Absent: sole executor.
   */
  lease?: Pick<ExecutorLease, "current">;
}

export interface TradeResult {
  id: string;
  order: Order;
  status: "simulated" | "rejected" | FinalStatus;
  txHash: string | null;
  nonce: number | null;
  /** Sim/rejected: the block simulated at. Live: the block mined in (null when dropped). */
  blockNumber: number | null;
  simulatedProfit: bigint | null;
  realizedProfit: bigint | null;
  gasUsed: bigint | null;
  /** gasUsed times the effective gas price, in native wei; null unless mined. */
  gasCostWei: bigint | null;
  precededBy: number | null;
  reason: string | null;
  /** The route itself reverted: mined and reverted, or refused by the simulation (not a gate that sent nothing). */
  routeReverted: boolean;
  /** performance.now() stamps: order received, simulation done, transaction broadcast (live only). */
  timings: { receivedAt: number; simulatedAt: number | null; sentAt: number | null };
}

/** What submit() achieved: finished without broadcasting, or broadcast with the outcome still to come. */
export type Submission =
  | { kind: "duplicate" }
  | { kind: "done"; result: TradeResult }
  | {
      kind: "sent";
      id: string;
      txHash: string;
      nonce: number;
      sentAt: number;
      timings: TradeResult["timings"];
      final: Promise<TradeResult>;
    };

export interface ReconcileReport {
  resolved: { id: string; status: FinalStatus }[];
  /** Rows that cannot be decided yet (e.g. the deadline block has not passed); reconcile again next block. */
  inFlight: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often a followed trade gets the full check (nonce taken, gone after deadline), not just a receipt lookup. */
const FULL_CHECK_MS = 500;

export class Executor {
  private readonly codec: ExecutorCodec;
  private readonly contract: string;
  private readonly account: string;
  private readonly nonces: NonceManager;
  private readonly gasLimit: bigint | null;
  private readonly fees: FeePolicy;
  private readonly deadline: DeadlinePolicy;
  private readonly replacing: { afterBlocks: number; bumpBps: number; max: number };
  private readonly tip: bigint;
  private readonly pollMs: number;
  /** Rows left in flight by an earlier process; live orders wait until reconcile() has settled them. */
  private settled = false;
  /** Trades this instance journaled and follows itself; reconcile() leaves them alone. */
  private readonly own = new Set<string>();
  private stopped = false;
  private chainId: bigint | undefined;
  /** The lease token this instance last sent under; another one means another leader may have sent in between. */
  private term: bigint | null = null;

  constructor(private readonly deps: ExecutorDeps) {
    this.codec = new ExecutorCodec(deps.contract.abi);
    this.contract = deps.contract.address.toLowerCase();
    this.account = deps.account.toLowerCase();
    if (deps.signer && deps.signer.address !== this.account) {
      throw new Error(`signer ${deps.signer.address} is not the executor account ${this.account}`);
    }
    this.nonces = new NonceManager(deps.provider, deps.journal, this.account);
    this.gasLimit = deps.options?.gasLimit ?? null;
    this.fees = deps.options?.fees ?? { type: "eip1559", minPriorityFeeWei: 0n };
    const o = deps.options;
    this.deadline = {
      blocks: o?.deadlineBlocks === undefined ? 2 : o.deadlineBlocks,
      seconds: o?.deadlineSeconds ?? BACKSTOP_SECONDS,
    };
    this.replacing = {
      afterBlocks: o?.replaceAfterBlocks ?? 1,
      bumpBps: o?.feeBumpBps ?? 1_250,
      max: o?.maxReplacements ?? 3,
    };
    this.tip = deps.options?.priorityFeeWei ?? 2_000_000_000n;
    this.pollMs = deps.options?.receiptPollMs ?? 20;
  }

  /** Submits and waits for the outcome; null for an order already handled (a redelivery). */
  async handle(order: Order): Promise<TradeResult | null> {
    const s = await this.submit(order);
    if (s.kind === "duplicate") return null;
    return s.kind === "done" ? s.result : s.final;
  }

  /** Simulates, then records (sim) or broadcasts (live). Resolves as soon as the transaction is sent. */
  async submit(order: Order): Promise<Submission> {
    const receivedAt = performance.now();
    const id = randomUUID();
    const fees = order.pools.map(this.deps.feeOf);
    // The time deadline counts from the head the simulation runs on, which is read alongside it: the simulation and
    // the estimate run with no time deadline (it changes neither the route nor, but for one comparison, the gas), and
    // the transaction carries the real one. The block deadline is known now and checked by the simulation.
    const { deadlineBlock } = deadlinesOf(this.deadline, order.blockNumber, 0);
    const probe = this.codec.encodeExecute(order, fees, deadlineBlock, null);
    // The duplicate check, the simulation and (live) the gas estimate are independent reads: run them together.
    const [duplicate, sim, gas] = await Promise.all([
      this.deps.journal.hasTradeFor(order.opportunityId),
      this.simulate(probe),
      order.mode === "live" ? this.estimateGas(probe) : Promise.resolve(null),
    ]);
    if (duplicate) return { kind: "duplicate" };
    const timings: TradeResult["timings"] = { receivedAt, simulatedAt: performance.now(), sentAt: null };
    const unsent = (status: "simulated" | "rejected", reason: string | null) =>
      this.recordUnsent(id, order, status, sim.blockNumber, sim.ok ? sim.profit : null, reason, timings, !sim.ok);

    if (!sim.ok) return unsent("rejected", sim.reason);
    if (order.mode === "sim") return unsent("simulated", null);

    // Live: every gate below runs on the broadcast path itself, whatever the caller checked before.
    let mode: Mode;
    try {
      mode = await this.deps.readMode();
    } catch (err) {
      return unsent("rejected", `mode unreadable, nothing sent: ${(err as Error).message}`);
    }
    if (mode !== "live") return unsent("rejected", `mode is ${mode}: live order not sent`);
    if (!this.deps.signer) return unsent("rejected", "no signing key loaded");
    // Not the leader: record nothing, so the order stays unacknowledged on the bus and the leader takes it.
    const fence = this.deps.lease ? this.deps.lease.current() : null;
    if (this.deps.lease && !fence)
      throw new LeaseLost(`order ${order.opportunityId}: this executor does not hold the signing lease`);
    if (fence && fence.token !== this.term) {
      // A new term: the previous leader may have sent and left trades in flight. Settle them, count nonces afresh.
      this.term = fence.token;
      this.settled = false;
      this.nonces.reset();
    }
    if (!this.settled && (await this.reconcile()).inFlight > 0) {
      return unsent("rejected", "in-flight trades from before the start are not reconciled yet");
    }
    if (gas === null) return unsent("rejected", "eth_estimateGas failed although the simulation passed");
    const deadlines = deadlinesOf(this.deadline, order.blockNumber, sim.timestamp);
    const data = this.codec.encodeExecute(order, fees, deadlines.deadlineBlock, deadlines.deadlineAt);
    return this.send(
      id,
      order,
      data,
      { ...deadlines, sentAtBlock: sim.blockNumber },
      { baseFee: sim.baseFee, gasLimit: gas },
      this.deps.signer,
      timings,
      fence,
    );
  }

  /** The gas limit for a live trade: the fixed one if configured, else the node's estimate plus the margin. */
  private async estimateGas(data: string): Promise<bigint | null> {
    if (this.gasLimit !== null) return this.gasLimit;
    try {
      const estimate = await this.deps.provider.estimateGas({ from: this.account, to: this.contract, data });
      return gasLimitFor(estimate, this.deps.options?.gasMarginBps);
    } catch {
      // The trade would revert; the simulation running alongside says why.
      return null;
    }
  }

  /**
   * Resolves the account's in-flight rows left by earlier runs from the chain, and sends nothing. Run it at start;
   * until a pass leaves no such row, each live order runs another pass first and is refused if rows remain.
   */
  async reconcile(): Promise<ReconcileReport> {
    const rows = (await this.deps.journal.listInFlight(this.account)).filter((r) => !this.own.has(r.id));
    const resolved: ReconcileReport["resolved"] = [];
    for (const row of rows) {
      const outcome = await this.resolve(row);
      if (!outcome) continue;
      await this.deps.journal.markFinal(row.id, outcome, outcome.minedTxHash ?? undefined);
      resolved.push({ id: row.id, status: outcome.status });
      this.deps.log?.info({ trade: row.id, nonce: row.nonce, status: outcome.status }, "reconciled in-flight trade");
    }
    if (resolved.length > 0) this.nonces.reset();
    const inFlight = rows.length - resolved.length;
    if (inFlight === 0) this.settled = true;
    return { resolved, inFlight };
  }

  private async simulate(
    data: string,
  ): Promise<
    | { ok: true; profit: bigint; blockNumber: number; timestamp: number; baseFee: bigint }
    | { ok: false; reason: string; blockNumber: number }
  > {
    const { provider } = this.deps;
    const override = this.deps.options?.stateOverride;
    const tx = { from: this.account, to: this.contract, data };
    const [call, latest] = await Promise.all([
      (override
        ? (provider.send("eth_call", [tx, "latest", override]) as Promise<string>)
        : provider.call({ ...tx, blockTag: "latest" })
      )
        .then((ret) => ({ ok: true as const, ret }))
        .catch((err: unknown) => ({ ok: false as const, err })),
      // The head, for the simulation's block number and the base fee the transaction is priced on.
      provider.getBlock("latest"),
    ]);
    if (!latest) throw new Error("the node returned no latest block");
    const blockNumber = latest.number;
    if (call.ok) {
      const profit = this.codec.decodeProfit(call.ret);
      return { ok: true, profit, blockNumber, timestamp: latest.timestamp, baseFee: latest.baseFeePerGas ?? 0n };
    }
    const revertData = (call.err as { data?: unknown }).data;
    if (typeof revertData !== "string") throw call.err; // not a revert: the node failed, not the trade
    return { ok: false, reason: this.codec.describeRevert(revertData), blockNumber };
  }

  private async recordUnsent(
    id: string,
    order: Order,
    status: "simulated" | "rejected",
    blockNumber: number,
    simulatedProfit: bigint | null,
    reason: string | null,
    timings: TradeResult["timings"],
    routeReverted: boolean,
  ): Promise<Submission> {
    await this.deps.journal.recordSimulated({
      ...tradeBase(id, order),
      status,
      blockNumber,
      simulatedProfit,
      gasEstimate: null,
      reason,
    });
    const result: TradeResult = {
      id,
      order,
      status,
      txHash: null,
      nonce: null,
      blockNumber,
      simulatedProfit,
      realizedProfit: null,
      gasUsed: null,
      gasCostWei: null,
      precededBy: null,
      reason,
      routeReverted,
      timings,
    };
    return { kind: "done", result };
  }

  private async send(
    id: string,
    order: Order,
    data: string,
    at: { deadlineBlock: number | null; deadlineAt: number; sentAtBlock: number },
    price: { baseFee: bigint; gasLimit: bigint },
    signer: TxSigner,
    timings: TradeResult["timings"],
    fence: Fence | null,
  ): Promise<Submission> {
    const { provider, journal } = this.deps;
    const chainId = await this.getChainId();
    const fees = txFees(this.fees, price.baseFee, this.tip);
    const sent = await this.nonces.withNonce(async (nonce) => {
      try {
        const raw = await signer.signTransaction({
          ...fees,
          chainId,
          to: this.contract,
          data,
          nonce,
          gasLimit: price.gasLimit,
          value: 0n,
        });
        const txHash = keccak256(raw);
        this.own.add(id);
        const intent: LiveIntent = {
          ...tradeBase(id, order),
          mode: "live",
          account: this.account,
          nonce,
          txHash,
          deadlineBlock: at.deadlineBlock,
          deadlineAt: at.deadlineAt,
        };
        await journal.recordIntent(intent, fence ?? undefined);
        // The last check before the chain: a lease lost while signing and journaling sends nothing.
        if (fence && this.deps.lease?.current()?.token !== fence.token) {
          await journal.markFinal(id, dropped());
          throw new LeaseLost(`trade ${id} not broadcast: the signing lease was lost before the broadcast`);
        }
        try {
          await provider.send("eth_sendRawTransaction", [raw]);
        } catch (err) {
          // A node that refuses a transaction does not hold it; one that merely timed out might.
          if (await provider.getTransaction(txHash)) {
            timings.sentAt = performance.now();
            await journal.markSent(id, txHash);
            return { intent, nonce, txHash };
          }
          await journal.markFinal(id, dropped());
          throw new BroadcastRefused(`broadcast of trade ${id} refused: ${(err as Error).message}`, { cause: err });
        }
        // Stamped at the broadcast: the journal's status update is bookkeeping, not latency the trade pays.
        timings.sentAt = performance.now();
        await journal.markSent(id, txHash);
        return { intent, nonce, txHash };
      } catch (err) {
        // Not followed by this instance after all: its row, if written, is reconcile()'s to resolve.
        this.own.delete(id);
        throw err;
      }
    });
    const sentAt = timings.sentAt ?? performance.now();
    const signed: Signed = {
      chainId,
      data,
      gasLimit: price.gasLimit,
      fees,
      sentAtBlock: at.sentAtBlock,
      replacements: 0,
    };
    const final = this.follow({ ...sent.intent, status: "sent", replacedTxHashes: [] }, signed).then(
      ([o, trade]): TradeResult => ({
        id,
        order,
        status: o.status,
        txHash: o.minedTxHash ?? trade.txHash,
        nonce: sent.nonce,
        blockNumber: o.blockNumber,
        simulatedProfit: null,
        realizedProfit: o.realizedProfit,
        gasUsed: o.gasUsed,
        gasCostWei: gasCostOf(o),
        precededBy: o.precededBy,
        reason: null,
        routeReverted: o.status === "reverted",
        timings,
      }),
    );
    return { kind: "sent", id, txHash: sent.txHash, nonce: sent.nonce, sentAt, timings, final };
  }

  /**
   * Stops following sent trades: their promises reject and their rows stay in flight, for the next start's
   * reconcile() to resolve from the chain.
   */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Waits for a sent trade's outcome and journals it; node or database errors are retried, not fatal. A trade this
   * instance signed (`signed`) that sits unmined is replaced with a fee bump; one left by an earlier run is only
   * followed. Resolves with the outcome and the trade as it stands (its newest hash).
   */
  private async follow(trade: InFlightTrade, signed: Signed | null): Promise<[Settled, InFlightTrade]> {
    let lastFull = performance.now();
    try {
      for (;;) {
        if (this.stopped) throw new ExecutorStopped(`stopped while trade ${trade.id} was in flight`);
        try {
          // Between full checks (every hash, nonce, deadline, replacement), only the newest hash's receipt: following
          // must not crowd the node the next block's trades need.
          const full = performance.now() - lastFull >= FULL_CHECK_MS;
          const receipt = full ? null : await this.deps.provider.getTransactionReceipt(trade.txHash);
          let outcome = receipt ? await this.finalOutcome(trade, receipt) : null;
          if (full) {
            lastFull = performance.now();
            const look = await this.look(trade);
            outcome = look.outcome;
            if (!outcome && signed && look.head) trade = await this.replaceIfStuck(trade, signed, look.head);
          }
          if (outcome) {
            await this.deps.journal.markFinal(trade.id, outcome, outcome.minedTxHash ?? undefined);
            return [outcome, trade];
          }
        } catch (err) {
          this.deps.log?.warn({ err, trade: trade.id }, "following a sent trade: retrying");
        }
        await sleep(this.pollMs);
      }
    } finally {
      this.own.delete(trade.id);
    }
  }

  /** The outcome of an in-flight trade as the chain shows it now, or null while it is still undecided. */
  private async resolve(trade: InFlightTrade): Promise<Settled | null> {
    return (await this.look(trade)).outcome;
  }

  /**
   * One full look at an in-flight trade: a receipt for any of its hashes (its newest, or one it replaced that was
   * mined first), else its nonce taken by another transaction (dropped), else gone past its deadline (dropped).
   * Undecided, it also returns the head, for the replacement check.
   */
  private async look(
    trade: InFlightTrade,
  ): Promise<{ outcome: Settled | null; head: { number: number; timestamp: number; baseFee: bigint } | null }> {
    const { provider } = this.deps;
    const mined = async () => {
      for (const hash of [trade.txHash, ...trade.replacedTxHashes.slice().reverse()]) {
        const receipt = await provider.getTransactionReceipt(hash);
        if (receipt) return receipt;
      }
      return null;
    };
    const receipt = await mined();
    if (receipt) return { outcome: await this.finalOutcome(trade, receipt), head: null };
    const used = await provider.getTransactionCount(trade.account, "latest");
    if (used > trade.nonce) {
      // Mined between the two calls, or the nonce went to another transaction.
      const late = await mined();
      return { outcome: late ? await this.finalOutcome(trade, late) : dropped(), head: null };
    }
    const latest = await provider.getBlock("latest");
    if (!latest) return { outcome: null, head: null };
    const head = { number: latest.number, timestamp: latest.timestamp, baseFee: latest.baseFeePerGas ?? 0n };
    // Unknown to the node after the deadline: even if it surfaced later, the contract would revert it.
    if (isPastDeadline(trade, head)) {
      const known = await Promise.all([trade.txHash, ...trade.replacedTxHashes].map((h) => provider.getTransaction(h)));
      if (known.every((t) => t === null)) return { outcome: dropped(), head: null };
    }
    return { outcome: null, head };
  }

  /**
   * Re-signs a stuck trade on its nonce with bumped fees, journals the new hash (before the broadcast, as for the
   * first one), and broadcasts it. Not stuck yet, out of replacements, or without a block left before its deadline:
   * the trade as it is. A refused replacement leaves both hashes followed: whichever is mined settles the trade.
   */
  private async replaceIfStuck(
    trade: InFlightTrade,
    signed: Signed,
    head: { number: number; timestamp: number; baseFee: bigint },
  ): Promise<InFlightTrade> {
    const { afterBlocks, bumpBps, max } = this.replacing;
    if (signed.replacements >= max || head.number < signed.sentAtBlock + afterBlocks) return trade;
    // The earliest block the replacement can land in is the next one, at least a second later.
    if (isPastDeadline(trade, { number: head.number + 1, timestamp: head.timestamp + 1 })) return trade;
    const signer = this.deps.signer;
    if (!signer) return trade;
    const fees = bumpFees(signed.fees, txFees(this.fees, head.baseFee, this.tip), bumpBps);
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
    await this.deps.journal.markReplaced(trade.id, trade.txHash, txHash);
    const next: InFlightTrade = { ...trade, txHash, replacedTxHashes: [...trade.replacedTxHashes, trade.txHash] };
    signed.fees = fees;
    signed.sentAtBlock = head.number;
    signed.replacements++;
    try {
      await this.deps.provider.send("eth_sendRawTransaction", [raw]);
      this.deps.log?.info(
        { trade: trade.id, nonce: trade.nonce, replaced: trade.txHash, tx: txHash },
        "stuck trade replaced with a fee bump",
      );
    } catch (err) {
      // The old transaction may have been mined meanwhile (nonce too low) or the bump refused: the next look settles it.
      this.deps.log?.warn({ err, trade: trade.id, tx: txHash }, "replacement refused by the node");
    }
    return next;
  }

  /** The outcome of a mined trade once its block is `confirmations` deep and still canonical; null until then. */
  private async finalOutcome(trade: InFlightTrade, receipt: TransactionReceipt): Promise<Settled | null> {
    const depth = this.deps.options?.confirmations ?? 0;
    if (depth > 0) {
      const { provider } = this.deps;
      if ((await provider.getBlockNumber()) < receipt.blockNumber + depth) return null;
      const block = await provider.getBlock(receipt.blockNumber);
      if (block?.hash !== receipt.blockHash) {
        this.deps.log?.warn(
          { trade: trade.id, block: receipt.blockNumber },
          "trade orphaned by a reorg: following it again",
        );
        return null;
      }
    }
    return this.outcomeOf(trade, receipt);
  }

  private async outcomeOf(trade: InFlightTrade, receipt: TransactionReceipt): Promise<Settled> {
    const poolLogs = await this.deps.provider.getLogs({ blockHash: receipt.blockHash, address: trade.pools });
    const precededBy = countPrecedingTouches(poolLogs, trade.pools, receipt.index);
    const confirmed = receipt.status === 1;
    return {
      status: confirmed ? "confirmed" : "reverted",
      realizedProfit: confirmed ? this.codec.tradeProfit(receipt.logs, this.contract) : null,
      gasUsed: receipt.gasUsed,
      // ethers reads effectiveGasPrice here: what the chain charged per gas, not the maximum the transaction offered.
      effectiveGasPrice: receipt.gasPrice,
      l1FeeWei: null,
      precededBy,
      blockNumber: receipt.blockNumber,
      minedTxHash: receipt.hash.toLowerCase(),
    };
  }

  private async getChainId(): Promise<bigint> {
    this.chainId ??= (await this.deps.provider.getNetwork()).chainId;
    return this.chainId;
  }
}

/** The executor was stopped while a trade was in flight; its row is left for reconciliation. */
export class ExecutorStopped extends Error {
  override readonly name = "ExecutorStopped";
}

/** The node refused the transaction; the trade is recorded as dropped and its nonce is free again. */
export class BroadcastRefused extends Error {
  override readonly name = "BroadcastRefused";
}

/** What a finished trade paid in native wei: L2 gas at its effective price plus any L1 data fee. */
export function gasCostOf(o: Pick<FinalOutcome, "gasUsed" | "effectiveGasPrice" | "l1FeeWei">): bigint | null {
  if (o.gasUsed === null || o.effectiveGasPrice === null) return null;
  return o.gasUsed * o.effectiveGasPrice + (o.l1FeeWei ?? 0n);
}

/** An outcome, and which of the trade's hashes was mined (null when none was). */
type Settled = FinalOutcome & { minedTxHash: string | null };

/** What a trade this instance signed needs for a replacement: the same call, nonce and chain, and the fees paid. */
interface Signed {
  chainId: bigint;
  data: string;
  gasLimit: bigint;
  fees: TxFees;
  /** The head when the current version was sent: it is stuck once replaceAfterBlocks more pass without it. */
  sentAtBlock: number;
  replacements: number;
}

function dropped(): Settled {
  return {
    status: "dropped",
    realizedProfit: null,
    gasUsed: null,
    effectiveGasPrice: null,
    l1FeeWei: null,
    precededBy: null,
    blockNumber: null,
    minedTxHash: null,
  };
}

function tradeBase(id: string, o: Order) {
  return {
    id,
    opportunityId: o.opportunityId,
    mode: o.mode,
    epoch: o.epoch,
    orderBlock: o.blockNumber,
    baseToken: o.baseToken,
    pools: o.pools,
    tokens: o.tokens,
    amountIn: o.amountIn,
    predictedProfit: o.predictedProfit,
    minProfit: o.minProfit,
  };
}
