/**
 * Heads from `eth_subscribe("newHeads")` over WebSocket (ethers' WebSocketProvider): a head arrives when the node
 * has it, with no polling requests at all. A dropped socket is reopened with backoff; after `maxRetries` failed
 * attempts in a row the source falls back to polling over the provider's HTTP endpoints, and says so in the log.
 */
import { Network, WebSocketProvider } from "ethers";
import { BlockCollector, headOf } from "./block-collector.ts";
import { MAX_FILL, type BlockHead, type HeadSource } from "./head-source.ts";
import type { FailoverProvider } from "./rpc.ts";

export interface WebSocketHeadsOptions {
  chainId: number;
  /** The polling pace of the fallback. */
  pollMs: number;
  /** First reconnect delay, doubled per failed attempt. Default 250 ms. */
  backoffMs?: number;
  /** Failed reconnects in a row before falling back to polling. Default 5. */
  maxRetries?: number;
  log?: (line: string) => void;
}

type OnBlock = (head: BlockHead) => Promise<void> | void;

/** The `ws` socket ethers opens on Node; typed by ethers only as far as it uses it, so close/error are looked up. */
interface EventSocket {
  addEventListener(type: "close" | "error", listener: () => void): void;
}

const isEventSocket = (s: unknown): s is EventSocket =>
  typeof s === "object" && s !== null && typeof (s as { addEventListener?: unknown }).addEventListener === "function";

export class WebSocketHeads implements HeadSource {
  private last: BlockHead | null = null;
  private running = false;
  private socket: WebSocketProvider | null = null;
  private fallback: BlockCollector | null = null;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** The newest head number waiting for the consumer, and the delivery loop's promise. */
  private pending: number | null = null;
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
    const socket = new WebSocketProvider(this.url, network, { staticNetwork: network });
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
      await socket.on("block", (blockNumber: number) => {
        if (this.socket !== socket) return;
        this.failures = 0;
        this.enqueue(blockNumber);
      });
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
  private enqueue(blockNumber: number): void {
    // Known at once, not when the consumer gets to it: a consumer still busy with an older head (the first full scan,
    // a slow block) sees that its state is stale and drops it instead of publishing orders the chain has passed.
    this.provider.observeBlock(blockNumber);
    if (this.pending === null || blockNumber > this.pending) this.pending = blockNumber;
    if (this.delivering) return;
    const generation = this.generation;
    this.delivering = (async () => {
      while (this.pending !== null && this.running && this.socket && this.generation === generation) {
        const target = this.pending;
        const last = this.last;
        const fill = last !== null && target > last.number + 1 && target - last.number <= MAX_FILL;
        const n = fill ? last.number + 1 : target;
        if (n === target) this.pending = null;
        const socket = this.socket;
        try {
          const block = await socket.getBlock(n);
          // The same head again (a resubscription repeats the newest): nothing new. A new hash at a height already
          // seen is a reorg, delivered like any head.
          if (this.generation !== generation) break;
          if (!block?.hash || !this.running || block.hash === this.last?.hash) continue;
          if (this.last && block.number > this.last.number + 1) {
            this.o.log?.(`newHeads: blocks ${this.last.number + 1}..${block.number - 1} skipped; pool state re-reads`);
          }
          const head = headOf(block, block.hash, this.provider);
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
