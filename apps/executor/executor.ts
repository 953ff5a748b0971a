/**
 * The executor: turns an order into calldata, simulates it with eth_call at the latest block, and then either
 * records the simulation (sim) or hands the trade to its execution route (live): an EOA transaction, or an ERC-4337
 * user operation (routes/). The route journals and submits; the executor follows the trade to its outcome.
 *
 * Safety, in order of the live path: the mode is re-read right before sending (an unreadable mode sends nothing);
 * there is no signer at all in sim; the trade row, with its transaction or user-operation hash, is durable before
 * anything leaves; a restart resolves every in-flight row from the chain through the route that sent it and sends
 * nothing for it; new live orders wait until that is done. When the ERC-4337 route is unavailable (bundler down or
 * slower than its bound) before anything of a trade was journaled, the order goes the EOA way if allowed, else it is
 * rejected with the reason.
 */
import { randomUUID } from "node:crypto";
import { toQuantity, type InterfaceAbi, type JsonRpcApiProvider } from "ethers";
import type { Logger } from "pino";
import { ExecutorCodec } from "./calldata.ts";
import type { FlashLenderBook } from "./flash-lenders.ts";
import type { HeadSignal } from "./heads.ts";
import { chooseFlashSource } from "./flash-source.ts";
import { gasBudget } from "./gas-budget.ts";
import type { FeePolicy } from "./fee-policy.ts";
import { LeaseLost } from "./lease.ts";
import type { ExecutorLease, Fence } from "./lease.ts";
import { orderProtocols, type GasModel, type TradeVerdict } from "../domain/index.ts";
import type {
  ExecutionRouteKind,
  FinalOutcome,
  FinalStatus,
  FlashSource,
  InFlightTrade,
  Mode,
  Order,
} from "../domain/index.ts";
import { AlreadyJournaled, UnrecordedOrder, type SettledTrade, type TradeJournal } from "./ports.ts";
import { resultOf, rpcBatch } from "../chain/index.ts";
import type { TxSigner } from "./signer.ts";
import { BroadcastRefused, EoaRoute, type BundleRetarget } from "./routes/eoa.ts";
import { tradeBase } from "./routes/intent.ts";
import { MinedTrades } from "./routes/mined.ts";
import {
  RouteUnavailable,
  type Deadlines,
  type ExecutionRoute,
  type GasCheck,
  type Prepared,
  type SendRequest,
  type SignedAhead,
} from "./routes/route.ts";
import { BACKSTOP_SECONDS, deadlinesOf, isPastDeadline, type DeadlinePolicy } from "./deadline.ts";
import { UserOperationRoute, type UserOperationSubmitter } from "./routes/user-operation.ts";
import type { Broadcaster } from "./submission/broadcaster.ts";

export interface ExecutorOptions {
  /** A fixed gas limit for execute(). Default: eth_estimateGas of each trade plus gasMarginBps. */
  gasLimit?: bigint;
  /** Margin over eth_estimateGas, in basis points. Default 2000 (20%). */
  gasMarginBps?: number;
  /**
   * The model the orchestrator costs orders with. EOA route: a trade on a route with no estimate yet is simulated
   * with its gas budget (gasBudget(): what it was costed with) as the limit, and sent with the margin over that if
   * it passes; only a trade that needs more is estimated. Unset: a route's first trade waits for eth_estimateGas.
   */
  gasModel?: GasModel;
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
   * block.number is not the L2 block, i.e. Arbitrum), and after the order block's timestamp + deadlineSeconds.
   * Defaults 2 and BACKSTOP_SECONDS (see deadlinePolicy()).
   */
  deadlineBlocks?: number | null;
  deadlineSeconds?: number;
  /**
   * EOA route: a sent trade still not mined this many blocks after the head it was sent at is stuck (its fee fell
   * under the market's): re-signed on the same nonce with fees raised by feeBumpBps (and to the current base fee), at
   * most maxReplacements times, only while its deadlines leave a block to land in. Defaults 1, 1250 (12.5%), 3.
   */
  replaceAfterBlocks?: number;
  feeBumpBps?: number;
  maxReplacements?: number;
  /** Tip per gas; above the market's so the trade lands first in the block. Default 2 gwei. */
  priorityFeeWei?: bigint;
  /** How often a sent transaction's receipt is looked for when no new heads are given (deps.heads). Default 20 ms. */
  receiptPollMs?: number;
  /**
   * How often a followed trade gets the full check (nonce taken, gone past its deadlines), and, with new heads, the
   * longest it waits for one before looking anyway. Default 500 ms.
   */
  fullCheckMs?: number;
  /**
   * Sim against a chain where the contract was never deployed: its code (and storage) is injected into every
   * simulation by an eth_call state override (see simulatedExecutor()). Never set for live.
   */
  stateOverride?: StateOverride;
  /** Values a profit in the base token as native wei (to hold it against a sponsor's gas or bid a share); default 1:1. */
  profitToWei?: (baseToken: string, amount: bigint) => bigint;
  /**
   * EOA route: how signed trades leave. Default: the public mempool. A chain profile with a `relayUrl` sends bundles
   * to that relay (bundleRelay()).
   */
  broadcaster?: Broadcaster;
  /**
   * EOA route: bid this share of each trade's simulated profit (basis points) to the block producer as priority fee,
   * never more than leaves the order's minProfit. Unset: the fixed priorityFeeWei.
   */
  bidShareBps?: number;
  /** EOA route with a bundle broadcaster: each bundle whose block was built before it arrived, and what became of it. */
  onBundleRetarget?: (order: Order, outcome: BundleRetarget) => void;
}

/** eth_call's third parameter: per address, the code and storage slots to assume. */
export type StateOverride = Record<string, { code?: string; stateDiff?: Record<string, string> }>;

/**
 * The ERC-4337 route of a run: the smart account, its own ArbExecutor, and (live only) the submitter that prepares
 * and sends its operations through a bundler.
 */
export interface UserOperationConfig {
  /** The smart account, owner of `contract`. */
  account: string;
  contract: string;
  /** The EOA that owns the smart account (its key signs operations); the signing lease is held on it. */
  owner: string;
  entryPoint: string;
  /** Live only: null in sim, where no key is loaded. */
  submitter: UserOperationSubmitter | null;
  /** When the bundler is down or slow, send the order from the EOA instead (else reject it). Default false. */
  fallbackToEoa?: boolean;
  /** The bundler estimates each trade's own operation before it is sent (UserOperationRouteDeps). Default false. */
  estimateEachTrade?: boolean;
  /** Called with every order that went the EOA way or was rejected because the bundler was unavailable. */
  onUnavailable?: (order: Order, outcome: "fallback" | "rejected", reason: string) => void;
}

export interface ExecutorDeps {
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  /** The current mode from the coordination store; the live broadcast path calls it right before signing. */
  readMode: () => Promise<Mode>;
  /** The EOA route's contract: an ArbExecutor owned by `account`. */
  contract: { address: string; abi: InterfaceAbi };
  /** The EOA sending account (the contract's owner); its simulations run from it, in both modes. */
  account: string;
  /** Only in live mode. Sim runs construct none, so no key is loaded. */
  signer: TxSigner | null;
  /** Present: the run executes through ERC-4337 user operations (the EOA route only as the fallback). */
  userOperations?: UserOperationConfig;
  /** Fee in basis points of each Uniswap-V2 pool the executor may route through (V3 pools charge their own). */
  feeOf: (pool: string) => number;
  /**
   * Lenders of the base token (Uniswap-V3 pools, a Balancer vault, an Aave pool) with their fees and liquidity, for
   * orders whose first hop cannot flash-swap or where a loan costs less. Absent: V2 flash swaps only.
   */
  flashLenders?: FlashLenderBook;
  log?: Logger;
  options?: ExecutorOptions;
  /**
   * The signing lease when several executors share the key (one per region): live orders are sent only under its
   * current fence, and the journal refuses an intent under a fence that is no longer current. Absent: sole executor.
   */
  lease?: Pick<ExecutorLease, "current">;
  /**
   * New heads (a newHeads subscription): a sent trade is looked for at each new block, and at least every
   * fullCheckMs should the heads stop. Absent: looked for every receiptPollMs.
   */
  heads?: HeadSignal;
}

/** A trade's outcome: what its journal row records of it (SettledTrade), with its order and this delivery's view. */
export interface TradeResult extends Omit<SettledTrade, "verdict"> {
  order: Order;
  /** The route itself reverted: mined and reverted, or refused by the simulation (not a gate that sent nothing). */
  routeReverted: boolean;
  /** A rejection that is a verdict on the order, not a failure for the breaker (absent otherwise): see TradeVerdict. */
  verdict?: TradeVerdict;
  /** performance.now() stamps: order received, simulation done, handed to the chain or bundler (live only). */
  timings: { receivedAt: number; simulatedAt: number | null; sentAt: number | null };
}

/** What submit() achieved: finished without broadcasting, or broadcast with the outcome still to come. */
export type Submission =
  | { kind: "duplicate" }
  | { kind: "done"; result: TradeResult }
  | {
      kind: "sent";
      id: string;
      route: ExecutionRouteKind;
      /** EOA: the transaction's hash. ERC-4337: null until a bundle includes the operation. */
      txHash: string | null;
      userOpHash: string | null;
      nonce: number;
      sentAt: number;
      timings: TradeResult["timings"];
      final: Promise<TradeResult>;
    };

/**
 * What a redelivered order's trade comes to: nothing journaled after all, its outcome from the journal, or the
 * outcome of a trade still in flight, once it is final.
 */
export type Redelivery =
  | { kind: "none" }
  | { kind: "done"; result: TradeResult }
  | { kind: "following"; id: string; final: Promise<TradeResult> };

export interface ReconcileReport {
  resolved: { id: string; status: FinalStatus }[];
  /** Rows that cannot be decided yet (e.g. the deadline block has not passed); reconcile again next block. */
  inFlight: number;
}

type Simulation =
  | { ok: true; profit: bigint; blockNumber: number; baseFee: bigint }
  | { ok: false; reason: string; blockNumber: number; expired: boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The tip the EOA route bids by default (ExecutorOptions.priorityFeeWei). */
const DEFAULT_TIP_WEI = 2_000_000_000n;

/** What submit() holds for an order until it is done. */
interface OrderInHand {
  /** Its transaction signed ahead (ExecutionRoute.signAhead), released when the order is done. */
  ahead?: Promise<SignedAhead | null>;
  /** Resolves once the order no longer goes ahead of an estimate (see estimatesWait): done, or about to estimate. */
  clear: Promise<void>;
  release: () => void;
}

/** What the executor needs of the header of an order's block (0 base fee on a chain without one). */
export interface OrderBlockHeader {
  timestamp: number;
  baseFee: bigint;
}
/** How often a followed trade gets the full check (nonce taken, gone after deadline), not just a receipt lookup. */
const DEFAULT_FULL_CHECK_MS = 500;
/** A base token's lenders are read ahead at each head until this many blocks pass without an order needing them. */
const LENDERS_AHEAD_BLOCKS = 32;
/** Longest an order's eth_estimateGas waits for the other orders in hand (see estimatesWait). */
const ESTIMATE_WAIT_MS = 200;

export class Executor {
  private readonly codec: ExecutorCodec;
  /** The route this run sends by; `fallback` takes orders it cannot (the EOA when ERC-4337 is primary and allowed). */
  private readonly primary: ExecutionRoute;
  private readonly fallback: ExecutionRoute | null;
  private readonly routes: ExecutionRoute[];
  private readonly deadline: DeadlinePolicy;
  /** The header of the last order block looked up: a block's orders share one header read. */
  private orderBlock: { number: number; header: Promise<OrderBlockHeader> } | null = null;
  private readonly pollMs: number;
  private readonly fullCheckMs: number;
  /**
   * Rows left in flight by an earlier process, or by a failed journal write of this one: live orders wait until
   * reconcile() has settled them.
   */
  private settled = false;
  /** Trades this instance journaled and follows itself; reconcile() leaves them alone. */
  private readonly own = new Set<string>();
  /** Each trade being followed to its outcome, by id: a redelivery of its order waits for the same following. */
  private readonly followed = new Map<string, Promise<FinalOutcome>>();
  private stopped = false;
  /**
   * Orders between submit() and their hand-over (or their unsent verdict): followers wait for none (idle()), and an
   * estimate for the others (estimatesWait()).
   */
  private readonly orders = new Set<OrderInHand>();
  private readonly idleWaiters: (() => void)[] = [];
  /** The lease token this instance last sent under; another one means another leader may have sent in between. */
  private term: bigint | null = null;
  /** Base tokens whose lenders an order needed, with the last such order's block: read ahead at each head. */
  private readonly lenderBases = new Map<string, number>();
  private readonly unwatchHeads: (() => void) | undefined;

  constructor(private readonly deps: ExecutorDeps) {
    this.codec = new ExecutorCodec(deps.contract.abi);
    const o = deps.options ?? {};
    const mined = (contract: string) =>
      new MinedTrades(deps.provider, this.codec, contract.toLowerCase(), o.confirmations ?? 0, deps.log);
    const eoa = new EoaRoute({
      provider: deps.provider,
      journal: deps.journal,
      account: deps.account,
      contract: deps.contract.address,
      signer: deps.signer,
      routeOf: (data) => this.codec.routeOf(data),
      mined: mined(deps.contract.address),
      fees: o.fees ?? { type: "eip1559", minPriorityFeeWei: 0n },
      tip: o.priorityFeeWei ?? DEFAULT_TIP_WEI,
      gasLimit: o.gasLimit ?? null,
      gasMarginBps: o.gasMarginBps,
      lease: deps.lease,
      log: deps.log,
      replace: { afterBlocks: o.replaceAfterBlocks, bumpBps: o.feeBumpBps, max: o.maxReplacements },
      broadcaster: o.broadcaster,
      onRetarget: o.onBundleRetarget,
      bid:
        o.bidShareBps === undefined
          ? undefined
          : { shareBps: o.bidShareBps, profitToWei: o.profitToWei ?? ((_token: string, amount: bigint) => amount) },
    });
    const uo = deps.userOperations;
    if (uo) {
      this.primary = new UserOperationRoute({
        provider: deps.provider,
        journal: deps.journal,
        account: uo.account,
        contract: uo.contract,
        owner: uo.owner,
        entryPoint: uo.entryPoint,
        submitter: uo.submitter,
        mined: mined(uo.contract),
        lease: deps.lease,
        routeOf: (data) => this.codec.routeOf(data),
        estimateEachTrade: uo.estimateEachTrade,
      });
      this.fallback = uo.fallbackToEoa ? eoa : null;
      // Both routes' rows are reconciled, whichever this run allows: an earlier run may have used either.
      this.routes = [this.primary, eoa];
    } else {
      this.primary = eoa;
      this.fallback = null;
      this.routes = [eoa];
    }
    this.deadline = {
      blocks: o.deadlineBlocks === undefined ? 2 : o.deadlineBlocks,
      seconds: o.deadlineSeconds ?? BACKSTOP_SECONDS,
    };
    this.pollMs = o.receiptPollMs ?? 20;
    this.fullCheckMs = o.fullCheckMs ?? DEFAULT_FULL_CHECK_MS;
    const book = deps.flashLenders;
    if (book) this.unwatchHeads = deps.heads?.watch?.((head) => this.lendersAhead(book, head));
  }

  /**
   * At a new head, the lenders of each base token an order needed them for within the last LENDERS_AHEAD_BLOCKS are
   * read at that head, before its orders come: a block's first order whose first hop is not V2 finds them read, not
   * 3-19 ms before its simulation. Deferred past the head's own handlers, so the scanner's reads reach the node first.
   */
  private lendersAhead(book: FlashLenderBook, head: number): void {
    for (const [base, lastUsed] of this.lenderBases) {
      if (head - lastUsed > LENDERS_AHEAD_BLOCKS) {
        this.lenderBases.delete(base);
        continue;
      }
      // A failure is the order's to see: it reads them again (a failed read is not kept).
      setImmediate(() => void book.lenders(base, head).catch(() => undefined));
    }
  }

  /** The route this run sends by. */
  get route(): ExecutionRouteKind {
    return this.primary.kind;
  }

  /** Submits and waits for the outcome; null for an order already handled (a redelivery). */
  async handle(order: Order): Promise<TradeResult | null> {
    const s = await this.submit(order);
    if (s.kind === "duplicate") return null;
    return s.kind === "done" ? s.result : s.final;
  }

  /**
   * Simulates, then records (sim) or sends through the run's route (live). Resolves as soon as it is sent. `header`:
   * the order block's header as the scanner saw it, which saves reading it here.
   */
  async submit(received: Order, header?: OrderBlockHeader): Promise<Submission> {
    let release!: () => void;
    const clear = new Promise<void>((resolve) => (release = resolve));
    const held: OrderInHand = { clear, release };
    this.orders.add(held);
    try {
      return await this.carry(received, held, header);
    } finally {
      // Sent or not, the order is done with what was held for its signature made ahead.
      void held.ahead?.then((a) => a?.release());
      this.orders.delete(held);
      held.release();
      if (this.orders.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * Resolves when no order is in hand (at once if none is), or after `timeoutMs`: following sent trades waits, so its
   * lookups do not queue at the node in front of an order's simulation and broadcast.
   */
  private idle(timeoutMs: number): Promise<void> {
    if (this.orders.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters.splice(this.idleWaiters.indexOf(wake), 1);
        resolve();
      }, timeoutMs);
      this.idleWaiters.push(wake);
    });
  }

  /**
   * Resolves once the other orders in hand are done or about to estimate too (at most ESTIMATE_WAIT_MS). An
   * eth_estimateGas (a route shape seen for the first time, or a re-check that failed) holds the node, which answers
   * one request at a time, for 30-130 ms on the devnet: sent at once, the block's other orders' simulations and
   * broadcasts queued behind it. Sent after them, it delays only the order that needs it.
   */
  private async estimatesWait(held: OrderInHand): Promise<void> {
    held.release();
    const ahead = [...this.orders].filter((o) => o !== held).map((o) => o.clear);
    if (ahead.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ahead), new Promise((resolve) => (timer = setTimeout(resolve, ESTIMATE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async carry(received: Order, held: OrderInHand, header?: OrderBlockHeader): Promise<Submission> {
    const receivedAt = performance.now();
    const id = randomUUID();
    const protocols = orderProtocols(received);
    // A V2 first hop flash-swaps for nothing, which no loan beats: the lenders are read only for the other routes.
    const book = protocols[0] === "uniswap-v2" ? undefined : this.deps.flashLenders;
    if (book) this.lenderBases.set(received.baseToken.toLowerCase(), received.blockNumber);
    let lendersUnread = false;
    const [block, lenders] = await Promise.all([
      this.headerOf(received.blockNumber, header),
      book
        ? book.lenders(received.baseToken, received.blockNumber).catch((err: unknown) => {
            // Unreadable lenders fund nothing: the order is rejected below with the reason, not retried, and that
            // counts as a failure (the node may be failing), unlike lenders read and found short.
            this.deps.log?.warn({ err, opportunity: received.opportunityId }, "flash lenders unreadable");
            lendersUnread = true;
            return [];
          })
        : [],
    ]);
    const deadlines = deadlinesOf(this.deadline, received.blockNumber, block.timestamp);
    const toWei = this.deps.options?.profitToWei ?? ((_token: string, amount: bigint) => amount);
    const funding = chooseFlashSource({
      baseToken: received.baseToken,
      amountIn: received.amountIn,
      pools: received.pools,
      protocols,
      lenders,
      gasPriceWei: block.baseFee + (this.deps.options?.priorityFeeWei ?? DEFAULT_TIP_WEI),
      baseToWei: (amount) => toWei(received.baseToken, amount),
    });
    // Refused before any simulation: nothing on the chain is at fault, so the route's pools take no strike; where
    // the lenders were read, a price verdict (unprofitable), which the orchestrator's breaker does not count.
    const refuse = (o: Order, source: FlashSource | null, reason: string): Promise<Submission> => {
      const timings = { receivedAt, simulatedAt: null, sentAt: null };
      return this.recordUnsent(
        id,
        o,
        this.primary.kind,
        source,
        "rejected",
        o.blockNumber,
        null,
        reason,
        timings,
        false,
        lendersUnread ? undefined : "unprofitable",
      );
    };
    if (!funding) {
      return refuse(
        received,
        null,
        `no flash source can lend ${received.amountIn} of ${received.baseToken} for this route`,
      );
    }
    // The lender's fee comes out of the profit: what the treasury will receive is the prediction to hold it to.
    const order: Order = { ...received, predictedProfit: received.predictedProfit - funding.fee };
    const flash = { source: funding.source, lender: funding.lender };
    if (funding.fee > 0n && order.predictedProfit < order.minProfit) {
      // The contract would revert (InsufficientProfit) for a cost that is the lender's, not the pools'.
      return refuse(
        order,
        flash.source,
        `the ${flash.source} fee of ${funding.fee} leaves ${order.predictedProfit}, below minProfit ${order.minProfit}`,
      );
    }
    const data = this.codec.encodeExecute(
      order,
      order.pools.map(this.deps.feeOf),
      flash,
      deadlines.deadlineBlock,
      deadlines.deadlineAt,
    );
    // Live, when the route knows the call's gas from an earlier estimate, or else from the order's gas budget: the
    // simulation runs with that gas limit and is the route's gas check too, one execution of the trade on the node
    // instead of two (the node runs them one after another, and the block's other orders wait behind them).
    const model = this.deps.options?.gasModel;
    const knownGas =
      order.mode === "live"
        ? (this.primary.knownGas?.(data, model ? gasBudget(protocols, flash.source, model) : null) ?? null)
        : null;
    // Live, the mode (and the kill switch) is read for this order while the node simulates it rather than after: a
    // round trip off the order's way, and still this order's own read on its way to the chain.
    const modeRead = order.mode === "live" ? readModeFor(this.deps.readMode) : null;
    // The simulation and (live) the route's preparation are independent reads: run together, the preparation's
    // estimate after the orders that need none. A redelivered order is found at its journal write
    // (AlreadyJournaled), which every way out of here makes before anything is sent.
    const simulation = Promise.all([
      this.simulate(this.primary, data, knownGas),
      order.mode === "live" && knownGas === null
        ? this.estimatesWait(held).then(() => preparing(this.primary, order, data, deadlines))
        : Promise.resolve(null),
    ]);
    // Live, with the gas known: the transaction is signed while the node simulates (a candidate the route sends only
    // if it is still the transaction to send, after every gate below and its journaled intent).
    const ahead = knownGas === null ? undefined : this.primary.signAhead?.(data, knownGas, block.baseFee);
    held.ahead = ahead;
    const [first, unchecked] = await simulation;
    let sim = first;
    let prepared = unchecked;
    if (knownGas !== null) {
      const checked: GasCheck = { gas: knownGas, passed: first.ok };
      // Reverted, or short of that gas: simulated again without a limit (the profit, or the contract's reason) while
      // the route estimates afresh, as it would have without the known gas (after the other orders that need none).
      [sim, prepared] = await Promise.all([
        first.ok ? first : this.simulate(this.primary, data, null),
        (first.ok ? Promise.resolve() : this.estimatesWait(held)).then(() =>
          preparing(this.primary, order, data, deadlines, checked),
        ),
      ]);
    }
    const timings: TradeResult["timings"] = { receivedAt, simulatedAt: performance.now(), sentAt: null };
    // A live trade lands in the block after the simulation's at the earliest, and eth_call at "latest" runs with the
    // head's own number: a head already at the block deadline passes the simulation, and the sent trade would revert
    // (Expired) in the next block, at a cost and a breaker strike. (The next block's time is unknown here: the block
    // deadline, where the chain has one, is the one that binds so soon.)
    const late =
      sim.ok && order.mode === "live" && isPastDeadline(deadlines, { number: sim.blockNumber + 1, timestamp: 0 });
    // A simulation refused for the order's own deadline is late, not the route's fault: no strike, no failure.
    const expired = (!sim.ok && sim.expired) || late;
    const unsent = (route: ExecutionRoute, status: "simulated" | "rejected", s: Simulation, reason: string | null) =>
      this.recordUnsent(
        id,
        order,
        route.kind,
        flash.source,
        status,
        s.blockNumber,
        s.ok ? s.profit : null,
        reason,
        timings,
        !s.ok && !expired,
        s === sim && expired ? "expired" : undefined,
      );

    if (!sim.ok) return unsent(this.primary, "rejected", sim, sim.reason);
    if (late) {
      const reason = `the head is block ${sim.blockNumber}, the deadline block ${deadlines.deadlineBlock}: the trade cannot land in time, nothing sent`;
      return unsent(this.primary, "rejected", sim, reason);
    }
    if (order.mode === "sim" || prepared === null) return unsent(this.primary, "simulated", sim, null);

    // Live: every gate below runs on the broadcast path itself, whatever the caller checked before.
    const mode = await (modeRead ?? readModeFor(this.deps.readMode));
    if (mode instanceof Error) {
      return unsent(this.primary, "rejected", sim, `mode unreadable, nothing sent: ${mode.message}`);
    }
    if (mode !== "live") return unsent(this.primary, "rejected", sim, `mode is ${mode}: live order not sent`);
    if (!this.primary.canSign) return unsent(this.primary, "rejected", sim, "no signing key loaded");
    // Not the leader: record nothing, so the order stays unacknowledged on the bus and the leader takes it.
    const fence = this.deps.lease ? this.deps.lease.current() : null;
    if (this.deps.lease && !fence)
      throw new LeaseLost(`order ${order.opportunityId}: this executor does not hold the signing lease`);
    if (fence && fence.token !== this.term) {
      // A new term: the previous leader may have sent and left trades in flight. Settle them, count nonces afresh.
      this.term = fence.token;
      this.settled = false;
      for (const r of this.routes) r.reset();
    }
    if (!this.settled && (await this.reconcile()).inFlight > 0) {
      return unsent(
        this.primary,
        "rejected",
        sim,
        "in-flight trades this executor does not follow are not reconciled yet",
      );
    }

    let route = this.primary;
    let ready: Prepared;
    let simulated: Simulation = sim;
    if (prepared instanceof RouteUnavailable) {
      const fallback = this.fallback;
      this.deps.userOperations?.onUnavailable?.(order, fallback?.canSign ? "fallback" : "rejected", prepared.message);
      if (!fallback || !fallback.canSign) {
        return unsent(this.primary, "rejected", sim, `${prepared.message}; EOA fallback not allowed, nothing sent`);
      }
      this.deps.log?.warn({ opportunity: order.opportunityId, reason: prepared.message }, "falling back to the EOA");
      // The EOA calls its own contract: simulate and prepare that call before sending it.
      route = fallback;
      const [fallbackSim, fallbackReady] = await Promise.all([
        this.simulate(fallback, data),
        preparing(fallback, order, data, deadlines),
      ]);
      simulated = fallbackSim;
      if (!fallbackSim.ok) return unsent(fallback, "rejected", fallbackSim, fallbackSim.reason);
      if (fallbackReady instanceof RouteUnavailable) {
        return unsent(fallback, "rejected", fallbackSim, fallbackReady.message);
      }
      ready = fallbackReady;
    } else {
      ready = prepared;
    }
    if (!simulated.ok) return unsent(route, "rejected", simulated, simulated.reason);
    if (!ready.ok) return unsent(route, "rejected", simulated, ready.reason);
    if (ready.maxGasCostWei !== null) {
      const toWei = this.deps.options?.profitToWei ?? ((_token: string, amount: bigint) => amount);
      const profitWei = toWei(order.baseToken, simulated.profit);
      if (profitWei < ready.maxGasCostWei) {
        return unsent(
          route,
          "rejected",
          simulated,
          `profit ${profitWei} wei does not cover the sponsor's gas (up to ${ready.maxGasCostWei} wei): not sent`,
        );
      }
    }
    const at = {
      deadlines,
      blockNumber: simulated.blockNumber,
      baseFee: simulated.baseFee,
      profit: simulated.profit,
      ...(ahead && route === this.primary ? { ahead } : {}),
    };
    return this.send(id, order, route, flash.source, ready, data, at, timings, fence);
  }

  /**
   * The block an order was priced on: its timestamp, which the time deadline counts from, and its base fee, which
   * prices the gas of the flash sources. One header read per block, shared by the block's orders, and none when the
   * order came with its block's header. A block the node no longer has (pruned, reorged) counts from the head.
   */
  private headerOf(blockNumber: number, known?: OrderBlockHeader): Promise<OrderBlockHeader> {
    if (known) return Promise.resolve(known);
    if (this.orderBlock?.number !== blockNumber) {
      const { provider } = this.deps;
      const header = provider.getBlock(blockNumber).then(async (b) => {
        const block = b ?? (await provider.getBlock("latest"));
        return {
          timestamp: block?.timestamp ?? Math.floor(Date.now() / 1000),
          baseFee: block?.baseFeePerGas ?? 0n,
        };
      });
      // A failed read is not cached: the next order asks again.
      header.catch(() => (this.orderBlock = null));
      this.orderBlock = { number: blockNumber, header };
    }
    return this.orderBlock.header;
  }

  /**
   * The outcome of an order submit() found already journaled. The bus hands an order again only when its handling
   * failed, and that may have been after the trade was sent and before its outcome was published: the orchestrator's
   * ledger would never hear of it. So the outcome is read from the journal row when it is settled, or, in flight, the
   * trade is followed to its end as reconcile() would (the following already under way, when this instance sent it).
   * Nothing is sent. Publishing an outcome twice is harmless: the trades topic is keyed by the trade id.
   */
  async redelivered(order: Order): Promise<Redelivery> {
    const journaled = await this.deps.journal.tradeFor(order.opportunityId);
    if (!journaled) return { kind: "none" };
    // This delivery neither simulated nor sent: its stamps say so.
    const timings = { receivedAt: performance.now(), simulatedAt: null, sentAt: null };
    if (journaled.settled) return { kind: "done", result: settledResult(order, journaled.trade, timings) };
    const { trade } = journaled;
    const route = this.routeOf(trade);
    const final = this.follow(route, trade, trade.orderBlock).then((o) =>
      followedResult(order, trade, route.kind, trade.flashSource ?? null, o, timings),
    );
    return { kind: "following", id: trade.id, final };
  }

  /**
   * Resolves the in-flight rows earlier runs left (of every route's account) from the chain, and sends nothing.
   * Run it at start; until a pass leaves no such row, each live order runs another pass first and is refused if
   * rows remain.
   */
  async reconcile(): Promise<ReconcileReport> {
    const resolved: ReconcileReport["resolved"] = [];
    let inFlight = 0;
    for (const route of this.routes) {
      const rows = (await this.deps.journal.listInFlight(route.account)).filter((r) => !this.own.has(r.id));
      let settledHere = 0;
      for (const row of rows) {
        const outcome = await this.routeOf(row).resolve(row);
        if (!outcome) continue;
        await this.deps.journal.markFinal(row.id, outcome);
        resolved.push({ id: row.id, status: outcome.status });
        settledHere++;
        this.deps.log?.info(
          { trade: row.id, route: row.route ?? "eoa", nonce: row.nonce, status: outcome.status },
          "reconciled in-flight trade",
        );
      }
      if (settledHere > 0) route.reset();
      inFlight += rows.length - settledHere;
    }
    if (inFlight === 0) this.settled = true;
    return { resolved, inFlight };
  }

  /**
   * Before the first order: each route learns what it can ahead of trades (the ERC-4337 route asks the bundler for an
   * operation's overheads, which the first block's orders would otherwise wait for). A failure is logged, not fatal:
   * the orders then learn it themselves.
   */
  async warm(): Promise<void> {
    const lengths = this.codec.executeLengths();
    await Promise.all(
      this.routes.map((r) =>
        r.warm?.(lengths).catch((err: unknown) => this.deps.log?.warn({ err, route: r.kind }, "route warm-up failed")),
      ),
    );
  }

  private routeOf(row: InFlightTrade): ExecutionRoute {
    const kind = row.route ?? "eoa";
    const route = this.routes.find((r) => r.kind === kind);
    if (!route) throw new Error(`trade ${row.id} went by ${kind}, a route this executor does not have`);
    return route;
  }

  /**
   * eth_call of the trade at the latest block. With `gas`, limited to it: any failure then reads as "not within that
   * gas", whatever the cause (the caller simulates again without the limit for the reason).
   */
  private async simulate(route: ExecutionRoute, data: string, gas: bigint | null = null): Promise<Simulation> {
    const { provider } = this.deps;
    const override = this.deps.options?.stateOverride;
    const tx = { from: route.account, to: route.contract, data, ...(gas === null ? {} : { gas: toQuantity(gas) }) };
    const requests = [
      { method: "eth_call", params: [tx, "latest", ...(override ? [override] : [])] },
      // The head, for the simulation's block number and the base fee the transaction is priced on.
      { method: "eth_getBlockByNumber", params: ["latest", false] },
    ];
    // By the way the head came where there is one (reads only: the broadcast stays on the provider, which never
    // sends a transaction twice): 1.5-2.2 ms less a simulation on the devnet than over HTTP, in three pairs of runs.
    const reads = this.deps.heads?.reads;
    const [call, head] = await (reads ? reads(requests) : rpcBatch(provider, requests));
    const latest = resultOf(head) as { number: string; baseFeePerGas?: string | null } | null;
    if (!latest) throw new Error("the node returned no latest block");
    const blockNumber = Number(BigInt(latest.number));
    if (call?.ok) {
      const profit = this.codec.decodeProfit(call.result as string);
      return { ok: true, profit, blockNumber, baseFee: BigInt(latest.baseFeePerGas ?? 0) };
    }
    if (gas !== null) return { ok: false, reason: `not within ${gas} gas`, blockNumber, expired: false };
    const failure = call?.error ?? new Error("eth_call: no answer in the batch");
    const revertData = (failure as { data?: unknown }).data;
    if (typeof revertData !== "string") throw failure; // not a revert: the node failed, not the trade
    return {
      ok: false,
      reason: this.codec.describeRevert(revertData),
      blockNumber,
      expired: this.codec.isExpired(revertData),
    };
  }

  private async recordUnsent(
    id: string,
    order: Order,
    route: ExecutionRouteKind,
    flashSource: FlashSource | null,
    status: "simulated" | "rejected",
    blockNumber: number,
    simulatedProfit: bigint | null,
    reason: string | null,
    timings: TradeResult["timings"],
    routeReverted: boolean,
    verdict?: TradeVerdict,
  ): Promise<Submission> {
    try {
      await this.deps.journal.recordSimulated({
        ...tradeBase(id, order, route, flashSource),
        status,
        blockNumber,
        simulatedProfit,
        gasEstimate: null,
        reason,
        ...(verdict ? { verdict } : {}),
      });
    } catch (err) {
      if (err instanceof AlreadyJournaled) return { kind: "duplicate" };
      if (err instanceof UnrecordedOrder)
        return { kind: "done", result: unrecorded(id, order, route, flashSource, timings) };
      throw err;
    }
    const result: TradeResult = {
      id,
      order,
      status,
      route,
      flashSource,
      txHash: null,
      userOpHash: null,
      nonce: null,
      blockNumber,
      simulatedProfit,
      realizedProfit: null,
      gasUsed: null,
      gasCostWei: null,
      precededBy: null,
      reason,
      routeReverted,
      ...(verdict ? { verdict } : {}),
      timings,
    };
    return { kind: "done", result };
  }

  private async send(
    id: string,
    order: Order,
    route: ExecutionRoute,
    flashSource: FlashSource,
    ready: Extract<Prepared, { ok: true }>,
    data: string,
    at: Pick<SendRequest, "deadlines" | "blockNumber" | "baseFee" | "profit" | "ahead">,
    timings: TradeResult["timings"],
    fence: Fence | null,
  ): Promise<Submission> {
    this.own.add(id);
    let intent: InFlightTrade;
    try {
      const sent = await ready.send({ id, order, flashSource, data, ...at, timings, fence });
      intent = { ...sent.intent, status: "sent", replacedTxHashes: [] };
    } catch (err) {
      // Not followed by this instance after all: its row, if written, is reconcile()'s to resolve.
      this.own.delete(id);
      // A redelivery (or a second delivery in hand beside the first): refused at its intent, nothing sent.
      if (err instanceof AlreadyJournaled) return { kind: "duplicate" };
      // Refused at the hand-over: the route recorded the trade dropped and nothing reached the chain. An outcome
      // like any other (published, counted, reported with its reason), not a failure of the order's handling.
      if (err instanceof BroadcastRefused)
        return { kind: "done", result: refusedAtHandOver(id, order, route, flashSource, err, timings) };
      // Refused at the journal (its nonce was not spent: nothing was sent).
      if (err instanceof UnrecordedOrder)
        return { kind: "done", result: unrecorded(id, order, route.kind, flashSource, timings) };
      // Anything else may have left its row in flight (an intent journaled and never sent, a sent trade whose mark
      // failed): the next live order reconciles first, before a nonce is counted past that row or the trade is lost
      // from sight until a restart.
      this.settled = false;
      throw err;
    }
    const userOpHash = intent.route === "erc4337" ? intent.userOpHash : null;
    const sentAt = timings.sentAt ?? performance.now();
    const final = this.follow(route, intent, at.blockNumber).then((o) =>
      followedResult(order, intent, route.kind, flashSource, o, timings),
    );
    return {
      kind: "sent",
      id,
      route: route.kind,
      txHash: intent.txHash,
      userOpHash,
      nonce: intent.nonce,
      sentAt,
      timings,
      final,
    };
  }

  /**
   * Stops following sent trades: their promises reject and their rows stay in flight, for the next start's
   * reconcile() to resolve from the chain.
   */
  stop(): void {
    this.stopped = true;
    this.unwatchHeads?.();
  }

  /**
   * Nothing ran ahead of a confirmed trade on its pools, so it realized its prediction to the wei; when it did not,
   * the pricing or the accounting is wrong somewhere, and everything needed to find where is logged.
   */
  private checkUnraced(trade: InFlightTrade, o: FinalOutcome): void {
    if (o.status !== "confirmed" || o.precededBy !== 0 || o.realizedProfit === trade.predictedProfit) return;
    this.deps.log?.error(
      {
        trade: trade.id,
        route: trade.route ?? "eoa",
        pools: trade.pools,
        orderBlock: trade.orderBlock,
        block: o.blockNumber,
        tx: o.txHash,
        ...(trade.route === "erc4337" ? { userOp: trade.userOpHash } : {}),
        predicted: trade.predictedProfit.toString(),
        realized: String(o.realizedProfit),
      },
      "unraced trade did not realize its prediction",
    );
  }

  /** Follows a sent trade to its outcome once, however many deliveries of its order ask for it. */
  private follow(route: ExecutionRoute, sent: InFlightTrade, simulatedOn: number): Promise<FinalOutcome> {
    const under = this.followed.get(sent.id);
    if (under) return under;
    const outcome = this.followToEnd(route, sent, simulatedOn).finally(() => this.followed.delete(sent.id));
    this.followed.set(sent.id, outcome);
    return outcome;
  }

  /**
   * Waits for a sent trade's outcome and journals it; node or database errors are retried, not fatal. With new heads,
   * it is looked for once per block (when a receipt can appear): a timer would ask the node dozens of times a block,
   * and the node answers requests one at a time, the block's own simulations among them.
   */
  private async followToEnd(route: ExecutionRoute, sent: InFlightTrade, simulatedOn: number): Promise<FinalOutcome> {
    const { heads } = this.deps;
    let trade = sent;
    let lastFull = performance.now();
    // No block up to the one the trade was simulated on can hold it: with heads, the first look waits for a newer one
    // (a look at once would only queue at the node in front of the block's next orders).
    let head = simulatedOn;
    try {
      for (;;) {
        if (heads) {
          await heads.next(head, this.fullCheckMs);
          // Every look at a new head waits until the block's own orders have gone to the node. At once, its
          // receipt, the outcome's reads, the journal's update and the outcome's publication took the thread, the
          // node and PostgreSQL while the block was decided and its orders recorded and simulated (the decision
          // record's hop 4.5-8.3 ms against 3.0-4.0 ms deferred, block -> sent p50 2.9 ms longer in the median of
          // five pairs of runs); and its outcome came before the block's decision in 1 trade of 52 anyway.
          if (heads.latest > head) await heads.pastHead();
        }
        await this.idle(this.fullCheckMs);
        // The head before the look: one that comes while the node answers is looked at again at once.
        if (heads) head = heads.latest;
        if (this.stopped) throw new ExecutorStopped(`stopped while trade ${trade.id} was in flight`);
        try {
          // Between full checks (nonce, mempool, deadline), only the cheap look for inclusion: following must not
          // crowd the node the next block's trades need.
          const full = performance.now() - lastFull >= this.fullCheckMs;
          const outcome = full ? await route.resolve(trade) : await route.poll(trade);
          if (full) lastFull = performance.now();
          if (full && !outcome && route.unstick) trade = await route.unstick(trade);
          if (outcome) {
            await this.deps.journal.markFinal(trade.id, outcome);
            this.checkUnraced(trade, outcome);
            return outcome;
          }
        } catch (err) {
          this.deps.log?.warn({ err, trade: trade.id }, "following a sent trade: retrying");
        }
        if (!heads) await sleep(this.pollMs);
      }
    } finally {
      this.own.delete(trade.id);
    }
  }
}

/** A route's preparation, with "unavailable" as a value: it runs beside the simulation and must not reject the batch. */
async function preparing(
  route: ExecutionRoute,
  order: Order,
  data: string,
  deadlines: Deadlines,
  checked?: GasCheck,
): Promise<Prepared | RouteUnavailable> {
  try {
    return await route.prepare(order, data, deadlines, checked);
  } catch (err) {
    if (err instanceof RouteUnavailable) return err;
    throw err;
  }
}

/** What a finished trade paid in native wei: L2 gas at its effective price plus any L1 data fee. */
export function gasCostOf(o: Pick<FinalOutcome, "gasUsed" | "effectiveGasPrice" | "l1FeeWei">): bigint | null {
  if (o.gasUsed === null || o.effectiveGasPrice === null) return null;
  return o.gasUsed * o.effectiveGasPrice + (o.l1FeeWei ?? 0n);
}

/** A sent trade's result once following it found its outcome. */
function followedResult(
  order: Order,
  sent: InFlightTrade,
  route: ExecutionRouteKind,
  flashSource: FlashSource | null,
  o: FinalOutcome,
  timings: TradeResult["timings"],
): TradeResult {
  return {
    id: sent.id,
    order,
    status: o.status,
    route,
    flashSource,
    txHash: o.txHash ?? sent.txHash,
    userOpHash: sent.route === "erc4337" ? sent.userOpHash : null,
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
  };
}

/** A settled trade's result as its journal row records it (for a redelivered order). */
function settledResult(order: Order, t: SettledTrade, timings: TradeResult["timings"]): TradeResult {
  const { verdict, ...trade } = t;
  return {
    ...trade,
    order,
    // A rejection's cause (the simulation reverted, or a gate refused) is not journaled: a pool takes no strike from
    // one read back, while the breaker still counts the failure. A mined revert is the route's, as when followed.
    routeReverted: t.status === "reverted",
    ...(verdict ? { verdict } : {}),
    timings,
  };
}

/** A trade the route journaled and then dropped at the hand-over (refused, or a bundle too late): nothing is on chain. */
function refusedAtHandOver(
  id: string,
  order: Order,
  route: ExecutionRoute,
  flashSource: FlashSource,
  err: BroadcastRefused,
  timings: TradeResult["timings"],
): TradeResult {
  return nothingSent(id, order, route.kind, flashSource, "dropped", err.message, timings);
}

/** The mode as `read` says it, or the error that kept it from being read. */
function readModeFor(read: () => Promise<Mode>): Promise<Mode | Error> {
  return read().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

/**
 * An order the journal refused because its decision record is gone (lost in a crash after it was published): no row
 * can be written for it and nothing is sent. Published as rejected, so the risk ledger frees its exposure and pools.
 */
function unrecorded(
  id: string,
  order: Order,
  route: ExecutionRouteKind,
  flashSource: FlashSource | null,
  timings: TradeResult["timings"],
): TradeResult {
  const reason = `order ${order.opportunityId} has no decision record (lost in a crash after it was published): not journaled, nothing sent`;
  return nothingSent(id, order, route, flashSource, "rejected", reason, timings);
}

/** The outcome of an order that ended before anything reached the chain, for `reason`. */
function nothingSent(
  id: string,
  order: Order,
  route: ExecutionRouteKind,
  flashSource: FlashSource | null,
  status: "dropped" | "rejected",
  reason: string,
  timings: TradeResult["timings"],
): TradeResult {
  return {
    id,
    order,
    status,
    route,
    flashSource,
    txHash: null,
    userOpHash: null,
    nonce: null,
    blockNumber: null,
    simulatedProfit: null,
    realizedProfit: null,
    gasUsed: null,
    gasCostWei: null,
    precededBy: null,
    reason,
    routeReverted: false,
    timings,
  };
}

/** The executor was stopped while a trade was in flight; its row is left for reconciliation. */
export class ExecutorStopped extends Error {
  override readonly name = "ExecutorStopped";
}

export { BroadcastRefused } from "./routes/eoa.ts";
