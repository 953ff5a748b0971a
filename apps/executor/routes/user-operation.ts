/**
 * The ERC-4337 route: the trade is a call of the smart account's own ArbExecutor, wrapped in a user operation that
 * the platform's paymaster sponsors and a bundler submits. Each trade gets its own EntryPoint nonce key (sequence 0),
 * so concurrent trades never wait on or replace each other, and an operation can be included at most once.
 *
 * Order of the live path: beside the executor's eth_call of the inner call, the operation to send (the call gas from
 * the node as on the EOA route, call-gas.ts; the account's verification gas and the preVerificationGas from one bundler
 * estimate per calldata length, see overheadFor; the sponsorship; the owner's signature) and, with `estimateEachTrade`,
 * the bundler's gas estimation of this very operation (eth_estimateUserOperationGas: the bundler's simulation of
 * validation, paymaster and call). It is sent only if every simulation passes and it carries at least the gas the
 * bundler estimated -> the row with the user-operation hash, durable -> the lease check -> eth_sendUserOperation,
 * where the bundler validates the operation again. Resolution reads the chain, not the bundler: the EntryPoint's
 * UserOperationEvent by user-operation hash, then that transaction's receipt; so a dead bundler cannot hide an
 * inclusion.
 */
import { randomBytes } from "node:crypto";
import { Interface, type JsonRpcApiProvider, type Log, type TransactionReceipt } from "ethers";
import type { FinalOutcome, InFlightTrade, Order, UserOpIntent } from "../../domain/index.ts";
import { isPastDeadline } from "../deadline.ts";
import { LeaseLost, type ExecutorLease } from "../lease.ts";
import type { TradeJournal } from "../ports.ts";
import { CallGas } from "./call-gas.ts";
import { tradeBase } from "./intent.ts";
import type { MinedTrades, TradeSlice } from "./mined.ts";
import { UnminableTrades } from "./unminable.ts";
import { dropped, RouteUnavailable } from "./route.ts";
import type { Deadlines, ExecutionRoute, GasCheck, Prepared, SendRequest } from "./route.ts";

/** The gas limits of an operation that the sponsorship signs (the paymaster's own are the paymaster's). */
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
  /** Sponsorship and signature of the operation carrying `gas`. */
  prepare(call: { to: string; data: string }, nonceKey: bigint, gas: UserOperationGas): Promise<PreparedUserOperation>;
  /**
   * The bundler's gas estimation of that operation (a simulation of the whole of it): the gas it needs, or the
   * bundler's error when the operation would not pass.
   */
  estimate(call: { to: string; data: string }, nonceKey: bigint): Promise<UserOperationGas>;
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
  /** What a call's gas depends on (ExecutorCodec.routeOf; see call-gas.ts). */
  routeOf?: ((data: string) => { route: string; shape: string }) | undefined;
  /**
   * The bundler estimates each trade's own operation before it is sent, a refusal rejecting the order. Default false:
   * each estimate runs the trade many times on the node, which a node answering one request at a time (the devnet)
   * cannot do within a block (README, "The bundler's estimation per trade").
   */
  estimateEachTrade?: boolean | undefined;
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

/** The bundler's gas estimation of the trade's operation answered an error: the operation would not pass. */
class EstimationRefused extends Error {
  override readonly name = "EstimationRefused";
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
  private readonly callGas: CallGas;
  /** By calldata length: the bundler's estimate of an operation that long (see overheadFor). */
  private readonly overheads = new Map<number, Promise<UserOperationGas>>();
  /** Rows a failed journal write left in flight for trades nothing can include: resolve() drops them at once. */
  private readonly unminable = new UnminableTrades();

  constructor(private readonly d: UserOperationRouteDeps) {
    this.account = d.account.toLowerCase();
    this.contract = d.contract.toLowerCase();
    this.callGas = new CallGas({ provider: d.provider, from: this.account, to: this.contract, routeOf: d.routeOf });
  }

  get canSign(): boolean {
    return this.d.submitter !== null;
  }

  /** Nothing here derives from in-flight rows: each trade has its own nonce key. */
  reset(): void {}

  /**
   * The executor's simulation runs the call from the account with this limit, a transaction's: it passes only if the
   * call needs less than the limit minus the intrinsic gas (21,000 and the calldata), which is less than the
   * operation's call gets with the limit plus the margin ((limit x 1.2 - the account's execute overhead) x 63/64).
   */
  knownGas(data: string): bigint | null {
    return this.callGas.knownGas(data);
  }

  /**
   * The operation's gas never waits for a bundler estimate of the trade (there is none without `estimateEachTrade`;
   * with it, the operation is sponsored and signed meanwhile). Beyond the call gas (from the node), what an estimate
   * gives does not depend on the trade: the account's verification gas (the same account, signature and fresh nonce
   * key every time) and the preVerificationGas, which depends on the operation's size and its nonzero bytes. So the
   * bundler estimates once per calldata length an operation calling an address without code with that many 0xff
   * bytes (every byte nonzero: the most preVerificationGas an operation of that length needs), cheap for the node,
   * before the first order (warm) or else with the first order of that length; a failed estimate is asked again.
   */
  async warm(callLengths: readonly number[]): Promise<void> {
    const { submitter } = this.d;
    if (submitter) await Promise.all(callLengths.map((length) => this.overheadFor(submitter, length)));
  }

  private overheadFor(submitter: UserOperationSubmitter, length: number): Promise<UserOperationGas> {
    let overhead = this.overheads.get(length);
    if (!overhead) {
      const probe = { to: this.d.owner, data: `0x${"ff".repeat((length - 2) / 2)}` };
      overhead = submitter.estimate(probe, freshNonceKey());
      overhead.catch(() => this.overheads.delete(length));
      this.overheads.set(length, overhead);
    }
    return overhead;
  }

  async prepare(_order: Order, data: string, _deadlines?: Deadlines, checked?: GasCheck): Promise<Prepared> {
    const { submitter } = this.d;
    if (!submitter) return { ok: false, reason: "no signing key loaded" };
    const nonceKey = freshNonceKey();
    const call = { to: this.contract, data };
    let op: PreparedUserOperation | null;
    try {
      // The bundler's simulation of this very operation runs beside the one being sponsored and signed; a refusal
      // (AA.. codes: the deposit, the account, the paymaster; or the call's revert) rejects the order, unsent.
      const estimate = this.d.estimateEachTrade
        ? submitter.estimate(call, nonceKey).catch((err: unknown) => {
            throw new EstimationRefused(firstLine(err), { cause: err });
          })
        : null;
      let needed: UserOperationGas | null;
      [op, needed] = await Promise.all([this.operation(submitter, call, nonceKey, checked), estimate]);
      // The trade would revert; the simulation running alongside says why.
      if (!op) return { ok: false, reason: "eth_estimateGas failed although the simulation passed" };
      // Less gas than the bundler needs would fail its validation at eth_sendUserOperation, or the call on chain:
      // sponsored and signed again with the larger of each.
      if (needed && short(op.gas, needed)) op = await submitter.prepare(call, nonceKey, atLeast(op.gas, needed));
    } catch (err) {
      if (bundlerUnreachable(err)) throw new RouteUnavailable(`bundler unavailable: ${firstLine(err)}`, { cause: err });
      // The bundler answered with an error: never sent.
      const what = err instanceof EstimationRefused ? "the bundler's gas estimation refused" : "bundler refused";
      return { ok: false, reason: `${what} the user operation: ${firstLine(err)}` };
    }
    const prepared = op;
    return {
      ok: true,
      maxGasCostWei: prepared.maxGasCostWei,
      send: (req) => this.send(req, submitter, prepared, nonceKey),
    };
  }

  /** The operation to send: its gas from the node and the overheads, sponsored and signed; null if the call fails. */
  private async operation(
    submitter: UserOperationSubmitter,
    call: { to: string; data: string },
    nonceKey: bigint,
    checked: GasCheck | undefined,
  ): Promise<PreparedUserOperation | null> {
    const [callGasLimit, overhead] = await Promise.all([
      this.callGas.limitOf(call.data, checked),
      this.overheadFor(submitter, call.data.length),
    ]);
    return callGasLimit === null ? null : submitter.prepare(call, nonceKey, { ...overhead, callGasLimit });
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
    await this.unminable.write(id, () => journal.recordIntent(intent, fence ?? undefined, this.d.owner));
    if (fence && this.d.lease?.current()?.token !== fence.token) {
      await this.unminable.write(id, () => journal.markFinal(id, dropped()));
      throw new LeaseLost(`trade ${id} not sent: the signing lease was lost before the operation went to the bundler`);
    }
    try {
      await submitter.send(op);
    } catch (err) {
      // A refused connection or an error answer: the bundler holds nothing. A timeout: it may hold the operation,
      // so the row stays in flight and resolution decides from the chain.
      if (neverReached(err) || !bundlerUnreachable(err)) {
        await this.unminable.write(id, () => journal.markFinal(id, dropped()));
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
    if (this.unminable.take(trade.id)) return dropped();
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

const GAS_FIELDS = ["callGasLimit", "verificationGasLimit", "preVerificationGas"] as const;

/** Whether `gas` is below what the bundler estimated in any field. */
function short(gas: UserOperationGas, needed: UserOperationGas): boolean {
  return GAS_FIELDS.some((f) => gas[f] < needed[f]);
}

function atLeast(gas: UserOperationGas, needed: UserOperationGas): UserOperationGas {
  const max = (f: (typeof GAS_FIELDS)[number]) => (gas[f] > needed[f] ? gas[f] : needed[f]);
  return {
    callGasLimit: max("callGasLimit"),
    verificationGasLimit: max("verificationGasLimit"),
    preVerificationGas: max("preVerificationGas"),
  };
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
