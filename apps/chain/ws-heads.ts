/**
 * Heads from `eth_subscribe("newHeads")` over WebSocket (ethers' WebSocketProvider): a head arrives when the node
 * has it, with no polling requests at all, and is taken from the notification itself (number, hash, parent hash,
 * timestamp, base fee), not read again; only a block the subscription skipped, or a notification without a usable
 * header, is read with eth_getBlockByNumber. A dropped socket is reopened with backoff; after `maxRetries` failed
 * attempts in a row the source falls back to polling over the provider's HTTP endpoints, and says so in the log.
 */
import { Network, SocketBlockSubscriber, WebSocketProvider } from "ethers";
import type { JsonRpcPayload, SocketProvider, Subscriber, Subscription } from "ethers";
import { z } from "zod";
import { BlockCollector, headOf } from "./block-collector.ts";
import { blocksToFill, type BlockHead, type HeadSource } from "./head-source.ts";
import { rpcBatch, type BatchAnswer, type BatchResponse } from "./rpc-batch.ts";
import type { FailoverProvider } from "./rpc.ts";

export interface WebSocketHeadsOptions {
  chainId: number;
  /** The polling pace of the fallback. */
  pollMs: number;
  /** First reconnect delay, doubled per failed attempt. Default 250 ms. */
  backoffMs?: number;
  /** Failed reconnects in a row before falling back to polling. Default 5. */
  maxRetries?: number;
  /** How long a batch of reads sent over the socket may take before it is sent over HTTP instead. Default 400 ms. */
  readTimeoutMs?: number;
  log?: (line: string) => void;
}

type OnBlock = (head: BlockHead) => Promise<void> | void;

/** The `ws` socket ethers opens on Node; typed by ethers only as far as it uses it, so close/error are looked up. */
interface EventSocket {
  addEventListener(type: "close" | "error", listener: () => void): void;
}

const quantity = z.string().regex(/^0x[0-9a-f]{1,64}$/i);
const hash32 = z.string().regex(/^0x[0-9a-f]{64}$/i);
/** The header fields of a newHeads notification a head needs (every eth_subscribe newHeads payload carries them). */
const notifiedHeader = z.object({
  number: quantity,
  hash: hash32,
  parentHash: hash32,
  timestamp: quantity,
  baseFeePerGas: quantity.nullish(),
});

/**
 * The head a newHeads notification announces, seen `seenAt`: from its own fields when they are all there, else only
 * its number (null header), and the block is read. Null when not even the number is readable.
 */
function notifiedHead(message: unknown, seenAt: number): { number: number; head: BlockHead | null } | null {
  const header = notifiedHeader.safeParse(message);
  if (header.success) {
    const h = header.data;
    const head: BlockHead = {
      number: Number(BigInt(h.number)),
      hash: h.hash.toLowerCase(),
      parentHash: h.parentHash.toLowerCase(),
      timestamp: Number(BigInt(h.timestamp)),
      baseFee: h.baseFeePerGas == null ? null : BigInt(h.baseFeePerGas),
      seenAt,
    };
    return { number: head.number, head };
  }
  const number = quantity.safeParse((message as { number?: unknown } | null)?.number);
  return number.success ? { number: Number(BigInt(number.data)), head: null } : null;
}

/** ethers' newHeads subscriber hands on only the block number; this one hands on the notification itself. */
class HeaderSubscriber extends SocketBlockSubscriber {
  constructor(
    provider: SocketProvider,
    private readonly onHeader: (message: unknown) => void,
  ) {
    super(provider);
  }

  override _emit(_provider: SocketProvider, message: unknown): Promise<void> {
    this.onHeader(message);
    return Promise.resolve();
  }
}

/** Ids of the batches a socket sends: far above those ethers numbers its own requests with on the same socket. */
const FIRST_BATCH_ID = 2 ** 40;

/**
 * A WebSocketProvider whose "block" subscription calls `onHeader` with each newHeads notification, and that sends
 * JSON-RPC batches (ethers' socket providers send one request per message).
 */
class HeadsSocket extends WebSocketProvider {
  onHeader: (message: unknown) => void = () => undefined;
  /** Whether reads go over this socket (until a batch on it fails). */
  batchable = true;
  /** Batches sent and not yet answered, by the id of their first request. */
  private readonly batches = new Map<number, (answers: BatchResponse[]) => void>();
  private nextBatchId = FIRST_BATCH_ID;

  override _getSubscriber(sub: Subscription): Subscriber {
    return sub.type === "block" ? new HeaderSubscriber(this, (m) => this.onHeader(m)) : super._getSubscriber(sub);
  }

  /** `payloads` as one message, answered with the caller's ids; rejects after `timeoutMs`. */
  async batch(payloads: JsonRpcPayload[], timeoutMs: number): Promise<BatchResponse[]> {
    const first = this.nextBatchId;
    this.nextBatchId += payloads.length;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<BatchResponse[]>((resolve, reject) => {
      this.batches.set(first, resolve);
      timer = setTimeout(() => {
        this.batches.delete(first);
        reject(new Error(`a batch of ${payloads.length} reads over the socket: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await this._write(JSON.stringify(payloads.map((p, i) => ({ ...p, id: first + i }))));
      const answers = await answered;
      // Back to the caller's ids, by position in the batch.
      return answers.map((a) => ({ ...a, id: payloads[Number(a.id) - first]?.id ?? a.id }) as BatchResponse);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A batch's answer (an array, one message) goes to its sender; anything else to ethers, as before. */
  override async _processMessage(message: string): Promise<void> {
    const text = String(message);
    if (!text.startsWith("[")) return super._processMessage(text);
    const answers = JSON.parse(text) as BatchResponse[];
    const ids = answers.map((a) => Number(a.id)).filter((id) => id >= FIRST_BATCH_ID);
    const resolve = ids.length > 0 ? this.batches.get(Math.min(...ids)) : undefined;
    if (!resolve) return;
    this.batches.delete(Math.min(...ids));
    resolve(answers);
  }
}

const isEventSocket = (s: unknown): s is EventSocket =>
  typeof s === "object" && s !== null && typeof (s as { addEventListener?: unknown }).addEventListener === "function";

export class WebSocketHeads implements HeadSource {
  private last: BlockHead | null = null;
  private running = false;
  private socket: HeadsSocket | null = null;
  private fallback: BlockCollector | null = null;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /**
   * The newest head waiting for the consumer (with its notified header, when it came with one), and the delivery
   * loop's promise.
   */
  private pending: { number: number; head: BlockHead | null } | null = null;
  private delivering: Promise<void> | null = null;
  /**
   * Bumped whenever the socket is closed. A read in flight on a destroyed socket may never settle, so a delivery loop
   * of an earlier socket is abandoned rather than awaited: otherwise every head of the next socket waits behind it.
   */
  private generation = 0;
  private handling: Promise<unknown> = Promise.resolve();
  private onBlock: OnBlock = () => undefined;
  private onError: (err: unknown) => void = () => undefined;

  constructor(
    readonly url: string,
    private readonly provider: FailoverProvider,
    private readonly o: WebSocketHeadsOptions,
  ) {}

  get lastHead(): BlockHead | null {
    return this.fallback?.lastHead ?? this.last;
  }

  /**
   * Reads of a head as one batch, over the socket its notification came by when it is open: no HTTP request to make
   * or parse on either side (the scanner's logs-and-gas-price batch on the devnet: medians 2.9-5.6 ms over the socket
   * against 5.2-7.2 ms over HTTP, three runs of 30 alternating pairs at load 10-12), and asked of the node that
   * announced the head, which has its block. Over the provider's HTTP endpoints when there is no socket, or once a
   * batch on it failed or went unanswered (reads only: asking again is harmless).
   */
  async reads(requests: readonly { method: string; params: unknown[] }[]): Promise<BatchAnswer[]> {
    const socket = this.socket;
    if (socket === null || !socket.batchable) return rpcBatch(this.provider, requests);
    try {
      return await rpcBatch(this.provider, requests, (payloads) => socket.batch(payloads, this.o.readTimeoutMs ?? 400));
    } catch (err) {
      // A node that does not answer batches on its socket would cost every block the timeout: HTTP from now on,
      // until the socket is reopened.
      socket.batchable = false;
      this.o.log?.(`newHeads: reads over ${this.url} failed (${(err as Error).message}); reading over HTTP instead`);
      return rpcBatch(this.provider, requests);
    }
  }

  start(onBlock: OnBlock, onError: (err: unknown) => void): void {
    if (this.running) return;
    this.running = true;
    this.onBlock = onBlock;
    this.onError = onError;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    this.closeSocket();
    await this.fallback?.stop();
    await this.delivering;
    await this.handling;
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const network = Network.from(this.o.chainId);
    const socket = new HeadsSocket(this.url, network, { staticNetwork: network });
    this.socket = socket;
    let dropped = false;
    const drop = () => {
      if (dropped || this.socket !== socket) return;
      dropped = true;
      this.closeSocket();
      this.reconnect();
    };
    // Listeners go on before the socket can fail: an "error" with no listener would throw out of the event loop.
    if (isEventSocket(socket.websocket)) {
      socket.websocket.addEventListener("error", drop);
      socket.websocket.addEventListener("close", drop);
    }
    try {
      const chainId = Number(BigInt((await socket.send("eth_chainId", [])) as string));
      if (chainId !== this.o.chainId) {
        // Heads of another chain would be worse than none: poll the checked HTTP endpoints instead.
        this.closeSocket();
        this.pollInstead(`${this.url} serves chain id ${chainId}, not ${this.o.chainId}`);
        return;
      }
      socket.onHeader = (message) => {
        // Seen when the notification arrives: the header is not read again before the head is handed on.
        const notified = notifiedHead(message, performance.now());
        if (this.socket !== socket || notified === null) return;
        this.failures = 0;
        this.enqueue(notified);
      };
      // Starts the newHeads subscription; its notifications go to onHeader, not to this listener.
      await socket.on("block", () => undefined);
      if (this.failures > 0) this.o.log?.(`newHeads: resubscribed on ${this.url}`);
    } catch (err) {
      if (this.socket === socket && !dropped) {
        this.onError(err);
        drop();
      }
    }
  }

  private reconnect(): void {
    if (!this.running) return;
    this.failures++;
    const retries = this.o.maxRetries ?? 5;
    if (this.failures > retries) {
      this.pollInstead(`${this.url} closed ${retries} times in a row`);
      return;
    }
    const delay = (this.o.backoffMs ?? 250) * 2 ** (this.failures - 1);
    this.o.log?.(`newHeads: ${this.url} closed; reconnecting in ${delay} ms (attempt ${this.failures} of ${retries})`);
    this.retry = setTimeout(() => void this.connect(), delay);
  }

  private pollInstead(reason: string): void {
    if (!this.running) return;
    this.o.log?.(`newHeads: ${reason}; polling the head every ${this.o.pollMs} ms instead`);
    // From the last head the socket delivered: the head it was on is not handed on a second time.
    this.fallback = new BlockCollector(this.provider, this.o.pollMs, this.last);
    this.fallback.start(this.onBlock, this.onError);
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.generation++;
    this.delivering = null;
    // destroy() closes the socket and drops the subscription: nothing stays open after stop().
    if (socket) void Promise.resolve(socket.destroy()).catch(() => undefined);
  }

  /**
   * Delivers heads one at a time, the newest waiting one next. Blocks a subscription skipped (a dropped socket, a
   * node that coalesces heads) are fetched and delivered in order when at most MAX_FILL are missing; a longer gap is
   * jumped, and PoolState re-reads every pool as it does after any gap.
   */
  private enqueue(notified: { number: number; head: BlockHead | null }): void {
    // Known at once, not when the consumer gets to it: a consumer still busy with an older head (the first full scan,
    // a slow block) sees that its state is stale and drops it instead of publishing orders the chain has passed.
    this.provider.observeBlock(notified.number);
    if (this.pending === null || notified.number >= this.pending.number) this.pending = notified;
    if (this.delivering) return;
    const generation = this.generation;
    this.delivering = (async () => {
      while (this.pending !== null && this.running && this.socket && this.generation === generation) {
        const target = this.pending;
        const n = blocksToFill(this.last, target.number)[0] ?? target.number;
        if (n === target.number) this.pending = null;
        const socket = this.socket;
        try {
          const notified = n === target.number ? target.head : null;
          const block = notified ? null : await socket.getBlock(n);
          const head = notified ?? (block?.hash ? headOf(block, block.hash, this.provider) : null);
          // The same head again (a resubscription repeats the newest): nothing new. A new hash at a height already
          // seen is a reorg, delivered like any head.
          if (this.generation !== generation) break;
          if (!head || !this.running || head.hash === this.last?.hash) continue;
          if (this.last && head.number > this.last.number + 1) {
            this.o.log?.(`newHeads: blocks ${this.last.number + 1}..${head.number - 1} skipped; pool state re-reads`);
          }
          this.last = head;
          // Heads are handled one at a time even across sockets: an abandoned loop may still be in its handler.
          const handled = this.handling.then(() => this.onBlock(head));
          this.handling = handled.catch(() => undefined);
          await handled;
        } catch (err) {
          // The next head starts over; retrying here could spin on a socket that is gone. A read cut off by a
          // dropped socket is not an error of its own: the reconnect already said so.
          this.pending = null;
          if (this.socket === socket) this.onError(err);
        }
      }
      if (this.generation === generation) this.delivering = null;
    })();
  }
}
