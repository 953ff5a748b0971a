/**
 * Chain access over several JSON-RPC endpoints with failover: an ethers v6 provider whose every request goes to the
 * active endpoint and, when that one fails at the transport level or times out, to the next one within the same
 * call. A request timeout well under the block time keeps a failover within one block. Health checks demote
 * endpoints that are down or lag behind the newest block seen on any of them.
 */
import http from "node:http";
import https from "node:https";
import { JsonRpcApiProvider, Network } from "ethers";
import type { JsonRpcError, JsonRpcPayload, JsonRpcResult } from "ethers";
import type { Logger } from "pino";
import type { Eip1193 } from "./eip1193.ts";

type RpcResponse = JsonRpcResult | JsonRpcError;

/** One way to reach a node. `send` rejects only on transport failure; JSON-RPC errors are responses. */
export interface RpcTransport {
  readonly name: string;
  send(payloads: JsonRpcPayload[], timeoutMs: number): Promise<RpcResponse[]>;
}

/**
 * JSON-RPC over HTTP(S) with node:http and keep-alive connections: about 1 ms a round trip on localhost, where
 * fetch() costs several.
 */
export function httpTransport(url: string): RpcTransport {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: 16 });
  return {
    name: url,
    send(payloads, timeoutMs) {
      const body = JSON.stringify(payloads);
      // A server closes a keep-alive connection that sat idle past its own timeout (Node's: 5 s), and a request sent
      // on it just then fails with ECONNRESET before the server read it (Node 20's agent ignores the server's
      // Keep-Alive hint). Asked again once on a new connection, as Node's documentation advises; never a send,
      // whose second try could not be told from the first.
      const retryable = payloads.every((p) => !p.method.startsWith("eth_send"));
      const signal = AbortSignal.timeout(timeoutMs);
      const attempt = (retried: boolean): Promise<RpcResponse[]> =>
        new Promise<RpcResponse[]>((resolve, reject) => {
          const req = client.request(
            target,
            {
              method: "POST",
              agent,
              headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
              signal,
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("error", reject);
              res.on("end", () => {
                if (res.statusCode !== 200) return reject(new Error(`${url} answered HTTP ${res.statusCode}`));
                try {
                  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
                  if (!Array.isArray(parsed)) return reject(new Error(`${url} answered a batch with a non-array`));
                  resolve(parsed as RpcResponse[]);
                } catch (err) {
                  reject(err instanceof Error ? err : new Error(String(err)));
                }
              });
            },
          );
          req.on("error", (err: NodeJS.ErrnoException) => {
            const stale = req.reusedSocket && err.code === "ECONNRESET" && !signal.aborted;
            if (stale && retryable && !retried) resolve(attempt(true));
            else reject(err);
          });
          req.end(body);
        });
      return attempt(false);
    },
  };
}

/** An in-process node (the devnet's EIP-1193 provider). Errors it throws with a JSON-RPC code are responses. */
export function eip1193Transport(name: string, provider: Eip1193): RpcTransport {
  return {
    name,
    send(payloads) {
      return Promise.all(
        payloads.map(async (p): Promise<RpcResponse> => {
          try {
            const params = Array.isArray(p.params) ? p.params : [p.params];
            return { id: p.id, result: await provider.request({ method: p.method, params }) };
          } catch (err) {
            const e = err as { code?: unknown; message?: unknown; data?: unknown };
            if (typeof e.code !== "number") throw err;
            return { id: p.id, error: { code: e.code, message: String(e.message), data: e.data } };
          }
        }),
      );
    },
  };
}

export interface EndpointHealth {
  name: string;
  healthy: boolean;
  blockNumber: number | null;
  latencyMs: number | null;
  error: string | null;
}

export interface FailoverOptions {
  chainId: number;
  /** Per-request timeout; keep it well under the block time. Default 400 ms. */
  requestTimeoutMs?: number;
  /** An endpoint more than this many blocks behind the newest block seen is lagging. Default 1. */
  maxLagBlocks?: number;
  /** Interval of background health checks once started. Default 1000 ms. */
  healthIntervalMs?: number;
  log?: Logger;
}

export class FailoverProvider extends JsonRpcApiProvider {
  private readonly transports: RpcTransport[];
  private readonly healthy: boolean[];
  private active = 0;
  private nextId = 1;
  private newest = -1;
  private readonly timeoutMs: number;
  private readonly maxLag: number;
  private readonly healthIntervalMs: number;
  private readonly log: Logger | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(transports: RpcTransport[], options: FailoverOptions) {
    if (transports.length === 0) throw new Error("FailoverProvider needs at least one endpoint");
    const network = Network.from(options.chainId);
    // No batching stall, no response cache: the newest state matters more than saving a round trip.
    super(network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1, pollingInterval: 250 });
    this.transports = transports;
    this.healthy = transports.map(() => true);
    this.timeoutMs = options.requestTimeoutMs ?? 400;
    this.maxLag = options.maxLagBlocks ?? 1;
    this.healthIntervalMs = options.healthIntervalMs ?? 1000;
    this.log = options.log;
  }

  static fromUrls(urls: string[], options: FailoverOptions): FailoverProvider {
    return new FailoverProvider(urls.map(httpTransport), options);
  }

  /** The newest block number any endpoint has reported (-1 before the first). */
  get newestBlock(): number {
    return this.newest;
  }

  /** Every endpoint's name, in failover order: the URLs of an HTTP provider (for bots started in other processes). */
  get endpoints(): string[] {
    return this.transports.map((t) => t.name);
  }

  get activeEndpoint(): string {
    return (this.transports[this.active] as RpcTransport).name;
  }

  /** Records a block number seen elsewhere (e.g. by the block collector). */
  observeBlock(blockNumber: number): void {
    if (blockNumber > this.newest) this.newest = blockNumber;
  }

  /**
   * Straight to the endpoint: ethers' request queue waits a timer tick per request, a millisecond that every stage
   * of every block would pay. Errors are mapped exactly as ethers maps them.
   */
  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (this.destroyed) throw new Error(`provider destroyed; ${method} cancelled`);
    const payload: JsonRpcPayload = { id: this.nextId++, jsonrpc: "2.0", method, params };
    const [res] = await this._send(payload);
    if (!res) throw new Error(`${method}: no response from ${this.activeEndpoint}`);
    if ("error" in res) throw this.getRpcError(payload, res);
    return res.result;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<RpcResponse[]> {
    const payloads = Array.isArray(payload) ? payload : [payload];
    let lastError: unknown;
    for (const i of this.order()) {
      const transport = this.transports[i] as RpcTransport;
      try {
        const responses = await transport.send(payloads, this.timeoutMs);
        this.healthy[i] = true;
        if (i !== this.active) this.switchTo(i, "request failed on the active endpoint");
        this.observeResponses(payloads, responses);
        return responses;
      } catch (err) {
        lastError = err;
        if (this.healthy[i]) this.log?.warn({ endpoint: transport.name, err }, "rpc endpoint failed");
        this.healthy[i] = false;
      }
    }
    throw lastError instanceof Error ? lastError : new Error("every rpc endpoint failed");
  }

  /** Probes every endpoint; demotes the active one if it is down or lagging. */
  async checkHealth(): Promise<EndpointHealth[]> {
    const results = await Promise.all(
      this.transports.map(async (t): Promise<EndpointHealth> => {
        const started = performance.now();
        try {
          const [res] = await t.send(
            [{ id: 1, jsonrpc: "2.0", method: "eth_blockNumber", params: [] }],
            this.timeoutMs,
          );
          if (!res || !("result" in res)) throw new Error("eth_blockNumber returned an error");
          const blockNumber = Number(BigInt(res.result as string));
          return { name: t.name, healthy: true, blockNumber, latencyMs: performance.now() - started, error: null };
        } catch (err) {
          return { name: t.name, healthy: false, blockNumber: null, latencyMs: null, error: String(err) };
        }
      }),
    );
    for (const r of results) if (r.blockNumber !== null) this.observeBlock(r.blockNumber);
    results.forEach((r, i) => {
      if (r.blockNumber !== null && r.blockNumber < this.newest - this.maxLag) {
        r.healthy = false;
        r.error = `lagging: block ${r.blockNumber}, newest seen ${this.newest}`;
      }
      this.healthy[i] = r.healthy;
    });
    if (!this.healthy[this.active]) {
      const next = this.healthy.findIndex((h) => h);
      if (next >= 0) this.switchTo(next, results[this.active]?.error ?? "unhealthy");
    }
    return results;
  }

  startHealthChecks(): void {
    // One endpoint has nothing to fail over to: probing it would only add eth_blockNumber polling on a paid endpoint.
    if (this.timer || this.transports.length < 2) return;
    this.timer = setInterval(() => {
      this.checkHealth().catch((err: unknown) => this.log?.error({ err }, "rpc health check failed"));
    }, this.healthIntervalMs);
    this.timer.unref();
  }

  override destroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    super.destroy();
  }

  /** Active first, then the other healthy endpoints, then the unhealthy ones as a last resort. */
  private order(): number[] {
    const rest = this.transports.map((_, i) => i).filter((i) => i !== this.active);
    return [this.active, ...rest.filter((i) => this.healthy[i]), ...rest.filter((i) => !this.healthy[i])];
  }

  private switchTo(i: number, reason: string): void {
    this.log?.warn({ from: this.activeEndpoint, to: this.transports[i]?.name, reason }, "rpc failover");
    this.active = i;
  }

  private observeResponses(payloads: JsonRpcPayload[], responses: RpcResponse[]): void {
    for (const p of payloads) {
      if (p.method !== "eth_blockNumber") continue;
      // Batch responses may come in any order; ids pair them with their requests.
      const res = responses.find((r) => r.id === p.id);
      if (res && "result" in res && typeof res.result === "string") this.observeBlock(Number(BigInt(res.result)));
    }
  }
}
