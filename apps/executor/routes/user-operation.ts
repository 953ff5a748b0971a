/**
 * The ERC-4337 route: the trade is a call of the smart account's own ArbExecutor, wrapped in a user operation that
 * the platform's paymaster sponsors and a bundler submits. Each trade gets its own EntryPoint nonce key (sequence 0),
 * so concurrent trades never wait on or replace each other, and an operation can be included at most once.
 *
 * Order of the live path: prepare (the bundler's gas estimation, which simulates the operation; the sponsorship; the
 * owner's signature) beside the executor's eth_call -> the row with the user-operation hash, durable -> the lease
 * check -> eth_sendUserOperation. A route whose operation gas is known from an earlier estimate (of it, or of a route
 * of the same shape) skips the bundler's estimation: the executor's eth_call runs with the operation's call gas as its
 * limit and is the gas check, as on the EOA route. Resolution reads the chain, not the bundler: the EntryPoint's UserOperationEvent by
 * user-operation hash, then that transaction's receipt; so a dead bundler cannot hide an inclusion.
 */
import { randomBytes } from "node:crypto";
import { Interface, type JsonRpcApiProvider, type Log, type TransactionReceipt } from "ethers";
import type { FinalOutcome, InFlightTrade, Order, UserOpIntent } from "../../domain/index.ts";
import { isPastDeadline } from "../deadline.ts";
import { GasEstimates } from "../gas-estimates.ts";
import { LeaseLost, type ExecutorLease } from "../lease.ts";
import type { TradeJournal } from "../ports.ts";
import { tradeBase } from "./intent.ts";
import type { MinedTrades, TradeSlice } from "./mined.ts";
import {
  dropped,
  RouteUnavailable,
  type Deadlines,
  type ExecutionRoute,
  type GasCheck,
  type Prepared,
  type SendRequest,
} from "./route.ts";

/**
 * An operation's gas as the bundler estimated it, with the route's margin on the call gas: what a later operation of
 * the same route (or shape) can carry without estimating again.
 */
export interface UserOperationGas {
  callGasLimit: bigint;
  verificationGasLimit: bigint;
  preVerificationGas: bigint;
}

/** A signed, sponsored user operation, ready for the bundler. */
export interface PreparedUserOperation {
  userOpHash: string;
  /** (every gas limit of the operation, the paymaster's included) x maxFeePerGas: the most the sponsor can pay. */
  maxGasCostWei: bigint;
  /** The gas it carries (estimated, or as given). */
  gas: UserOperationGas;
}

/** The smart account and its bundler (apps/erc4337's createSmartAccountRoute is one). */
export interface UserOperationSubmitter {
  /**
   * Gas estimation by the bundler (a simulation of the whole operation), sponsorship, signature. With `gas`, no
   * estimation: the operation carries that gas.
   */
  prepare(call: { to: string; data: string }, nonceKey: bigint, gas?: UserOperationGas): Promise<PreparedUserOperation>;
  /** eth_sendUserOperation of exactly the prepared operation. */
  send(prepared: PreparedUserOperation): Promise<string>;
  /** Whether the bundler still holds the operation; false when it does not answer (its mempool went with it). */
  holds(userOpHash: string): Promise<boolean>;
}

export interface UserOperationRouteDeps {
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  /** The smart account: sender of the operations, owner of `contract`. */
  account: string;
  contract: string;
  /** The EOA that owns the smart account and signs its operations; the signing lease is held on it. */
  owner: string;
  entryPoint: string;
  /** Live only; null in sim, where no key is loaded. */
  submitter: UserOperationSubmitter | null;
  mined: MinedTrades;
  lease?: Pick<ExecutorLease, "current"> | undefined;
  /**
   * What a call's gas depends on (ExecutorCodec.routeOf): an operation of a route estimated before (or of its shape)
   * carries that estimate after the executor's eth_call passed with its call gas. Absent: every operation is estimated.
   */
  routeOf?: ((data: string) => { route: string; shape: string }) | undefined;
}

const ENTRY_POINT = new Interface([
  "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
  "event BeforeExecution()",
]);
const USER_OPERATION_EVENT = ENTRY_POINT.getEvent("UserOperationEvent")!.topicHash;
const BEFORE_EXECUTION = ENTRY_POINT.getEvent("BeforeExecution")!.topicHash;

/** The bundler refused the operation (it answered with an error): nothing is pending anywhere; the row is dropped. */
export class OperationRefused extends Error {
  override readonly name = "OperationRefused";
}

/** Whether an error means the bundler could not be reached or did not answer in time, rather than refusing. */
export function bundlerUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (["HttpRequestError", "TimeoutError", "AbortError"].includes(e.name)) return true;
    if (/ECONNREFUSED|ECONNRESET|fetch failed|took too long|timed? ?out/i.test(e.message)) return true;
  }
  return false;
}

/** Whether the request certainly never reached the bundler (the connection was refused). */
function neverReached(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/ECONNREFUSED/.test(e.message) || (e as { code?: string }).code === "ECONNREFUSED") return true;
  }
  return false;
}

/** The first line of a bundler's error, without viem's request dump. */
function firstLine(err: unknown): string {
  const m = err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err);
  return m.split("\n")[0] ?? m;
}

/** A nonce key per trade: random, below 2^52 so the journal's bigint column and a JS number hold it exactly. */
function freshNonceKey(): bigint {
  return (BigInt(`0x${randomBytes(7).toString("hex")}`) & ((1n << 52n) - 1n)) | 1n;
}

export class UserOperationRoute implements ExecutionRoute {
  readonly kind = "erc4337";
  readonly account: string;
  readonly contract: string;
  /**
   * The last bundler estimate of each route and shape. The estimation runs the whole operation many times (a binary
   * search of the call gas on the node, which answers one request at a time), most of an operation's way to the
   * bundler; a block's orders waited behind each other's estimations and reached the chain blocks late.
   */
  private readonly estimates = new GasEstimates<UserOperationGas>();

  constructor(private readonly d: UserOperationRouteDeps) {
    this.account = d.account.toLowerCase();
    this.contract = d.contract.toLowerCase();
  }

  get canSign(): boolean {
    return this.d.submitter !== null;
  }

  /** Nothing is cached between trades: each has its own nonce key. */
  reset(): void {}

  /**
   * The call gas of the route's (or its shape's) last estimated operation: the executor's eth_call of the contract
   * from the account with this limit passes only if the call needs less than it minus the transaction's intrinsic
   * gas (21,000 and the calldata), which is less than the operation's call gets ((limit - the account's execute
   * overhead) x 63/64, for limits under about a million gas), so a passing call has its gas in the operation too.
   */
  knownGas(data: string): bigint | null {
    const key = this.d.routeOf?.(data);
    return (key && this.known(key)?.callGasLimit) ?? null;
  }

  private known(key: { route: string; shape: string }): UserOperationGas | undefined {
    return this.estimates.get(key.route) ?? this.estimates.get(key.shape);
  }

  async prepare(_order: Order, data: string, _deadlines?: Deadlines, checked?: GasCheck): Promise<Prepared> {
    const { submitter } = this.d;
    if (!submitter) return { ok: false, reason: "no signing key loaded" };
    const nonceKey = freshNonceKey();
    const key = this.d.routeOf?.(data);
    const known = key && checked?.passed ? this.known(key) : undefined;
    let op: PreparedUserOperation;
    try {
      op = await submitter.prepare(
        { to: this.contract, data },
        nonceKey,
        known && checked ? { ...known, callGasLimit: checked.gas } : undefined,
      );
      if (key && !known) {
        this.estimates.set(key.route, op.gas);
        this.estimates.set(key.shape, op.gas);
      }
    } catch (err) {
      if (bundlerUnreachable(err)) throw new RouteUnavailable(`bundler unavailable: ${firstLine(err)}`, { cause: err });
      // The bundler's estimation ran the operation and it failed: a losing (or broken) trade, never sent.
      return { ok: false, reason: `bundler simulation refused the user operation: ${firstLine(err)}` };
    }
    return { ok: true, maxGasCostWei: op.maxGasCostWei, send: (req) => this.send(req, submitter, op, nonceKey) };
  }

  private async send(req: SendRequest, submitter: UserOperationSubmitter, op: PreparedUserOperation, key: bigint) {
    const { journal } = this.d;
    const { id, fence, timings } = req;
    const intent: UserOpIntent = {
      ...tradeBase(id, req.order, "erc4337", req.flashSource),
      route: "erc4337",
      mode: "live",
      account: this.account,
      nonce: Number(key),
      userOpHash: op.userOpHash.toLowerCase(),
      txHash: null,
      ...req.deadlines,
    };
    await journal.recordIntent(intent, fence ?? undefined, this.d.owner);
    if (fence && this.d.lease?.current()?.token !== fence.token) {
      await journal.markFinal(id, dropped());
      throw new LeaseLost(`trade ${id} not sent: the signing lease was lost before the operation went to the bundler`);
    }
    try {
      await submitter.send(op);
    } catch (err) {
      // A refused connection or an error answer: the bundler holds nothing. A timeout: it may hold the operation,
      // so the row stays in flight and resolution decides from the chain.
      if (neverReached(err) || !bundlerUnreachable(err)) {
        await journal.markFinal(id, dropped());
        throw new OperationRefused(`user operation of trade ${id} not accepted: ${firstLine(err)}`, { cause: err });
      }
    }
    timings.sentAt = performance.now();
    await journal.markSent(id, null);
    return { intent };
  }

  /** By user-operation hash: the EntryPoint's event, then its transaction's receipt. */
  async poll(trade: InFlightTrade): Promise<FinalOutcome | null> {
    const found = await this.inclusion(trade);
    return found ? this.d.mined.outcome(trade, found, operationSlice(found, userOpHashOf(trade))) : null;
  }

  async resolve(trade: InFlightTrade): Promise<FinalOutcome | null> {
    // Included: followed until final, whatever the deadline (a bundle mined in time can be deep enough only after it).
    if (await this.inclusion(trade)) return this.poll(trade);
    const head = await this.d.provider.getBlock("latest");
    if (!head || !isPastDeadline(trade, head)) return null;
    // Past the deadline the contract reverts the trade even if the operation surfaced; while the bundler still holds
    // it, it may yet be included (and cost gas), so it is followed until the bundler lets go.
    if (this.d.submitter && (await this.d.submitter.holds(userOpHashOf(trade)))) return null;
    return (await this.inclusion(trade)) ? this.poll(trade) : dropped();
  }

  /** The receipt of the bundle that included the operation, or null while none has. */
  private async inclusion(trade: InFlightTrade): Promise<TransactionReceipt | null> {
    const [event] = await this.d.provider.getLogs({
      address: this.d.entryPoint,
      topics: [USER_OPERATION_EVENT, userOpHashOf(trade)],
      fromBlock: trade.orderBlock,
      toBlock: "latest",
    });
    return event ? await this.d.provider.getTransactionReceipt(event.transactionHash) : null;
  }
}

function userOpHashOf(trade: InFlightTrade): string {
  if (trade.route !== "erc4337") throw new Error(`trade ${trade.id} is an EOA trade, not the ERC-4337 route's`);
  return trade.userOpHash;
}

/**
 * One operation's part of a bundle: its execution logs lie between the previous operation's UserOperationEvent (or
 * the EntryPoint's BeforeExecution) and its own UserOperationEvent, which also says what it cost.
 */
export function operationSlice(receipt: TransactionReceipt, userOpHash: string): TradeSlice {
  const logs = receipt.logs;
  const ours = logs.findIndex((l) => l.topics[0] === USER_OPERATION_EVENT && l.topics[1] === userOpHash.toLowerCase());
  if (ours < 0) throw new Error(`receipt ${receipt.hash} has no UserOperationEvent for ${userOpHash}`);
  const boundary = (l: Log) => l.topics[0] === USER_OPERATION_EVENT || l.topics[0] === BEFORE_EXECUTION;
  const starts = logs.slice(0, ours).findLastIndex(boundary);
  const before = logs.findIndex((l) => l.topics[0] === BEFORE_EXECUTION);
  const event = ENTRY_POINT.parseLog(logs[ours]!)!;
  const gasUsed = BigInt(event.args.actualGasUsed);
  const cost = BigInt(event.args.actualGasCost);
  // The EntryPoint charges actualGasUsed x one gas price, so the division is exact; a remainder would mean the
  // journal's gasUsed x price no longer equals what the sponsor paid.
  if (gasUsed === 0n || cost % gasUsed !== 0n) {
    throw new Error(
      `user operation ${userOpHash}: actualGasCost ${cost} is not a multiple of actualGasUsed ${gasUsed}`,
    );
  }
  return {
    success: receipt.status === 1 && Boolean(event.args.success),
    logs: logs.slice(starts + 1, ours),
    gasUsed,
    effectiveGasPrice: cost / gasUsed,
    earlierOperations: operationsIn(logs.slice(before + 1, starts + 1)),
    // The bundle's L1 data fee is the bundler's, recovered (if at all) through the operation's gas price.
    l1Fee: false,
  };
}

/** Logs of consecutive operations of a bundle, split after each one's UserOperationEvent. */
function operationsIn(logs: readonly Log[]): Log[][] {
  const operations: Log[][] = [];
  let current: Log[] = [];
  for (const log of logs) {
    current.push(log);
    if (log.topics[0] === USER_OPERATION_EVENT) {
      operations.push(current);
      current = [];
    }
  }
  return operations;
}
