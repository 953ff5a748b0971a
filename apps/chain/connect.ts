/**
 * Opens a chain named by a profile over the user's RPC URLs, refusing any endpoint that cannot be reached or serves
 * another chain: a profile's factory addresses mean nothing on the wrong chain, and trading there would be worse.
 */
import { Network, WebSocketProvider } from "ethers";
import type { Logger } from "pino";
import { FailoverProvider, httpTransport } from "./rpc.ts";
import type { ChainProfile } from "./profile.ts";

/** An RPC URL that is malformed, unreachable, or on another chain; the message names the URL and the chain. */
export class ChainConnectError extends Error {
  override readonly name = "ChainConnectError";
}

export interface ConnectOptions {
  /** Per-request timeout once connected. Default 10 s: discovery's lens calls are heavy; trading passes less. */
  requestTimeoutMs?: number;
  /** Timeout of the first eth_chainId on each URL. Default 10 s. */
  probeTimeoutMs?: number;
  log?: Logger;
}

/**
 * `--rpc` URLs by role: ws(s) URLs give heads (eth_subscribe newHeads), http(s) URLs take every request. A list of
 * WebSocket URLs alone is refused: requests (eth_call, receipts, discovery's lens calls) go over HTTP only.
 */
export function splitRpcUrls(urls: string[]): { requests: string[]; heads: string[] } {
  const heads = urls.filter((u) => /^wss?:\/\//i.test(u));
  const requests = urls.filter((u) => !heads.includes(u));
  if (heads.length > 0 && requests.length === 0) {
    throw new ChainConnectError(
      `--rpc ${heads[0]}: a WebSocket URL gives new heads only; add an http(s) --rpc URL for requests`,
    );
  }
  return { requests, heads };
}

export async function connectChain(
  profile: ChainProfile,
  urls: string[],
  o: ConnectOptions = {},
): Promise<FailoverProvider> {
  if (urls.length === 0) throw new ChainConnectError(`chain ${profile.name}: give at least one --rpc URL`);
  const transports = urls.map((url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ChainConnectError(`--rpc ${url}: not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ChainConnectError(`--rpc ${url}: only http(s) JSON-RPC URLs are supported for requests`);
    }
    return httpTransport(url);
  });
  await Promise.all(
    transports.map(async (t) => {
      let res;
      try {
        [res] = await t.send(
          [{ id: 1, jsonrpc: "2.0", method: "eth_chainId", params: [] }],
          o.probeTimeoutMs ?? 10_000,
        );
      } catch (err) {
        throw new ChainConnectError(
          `--rpc ${t.name}: unreachable for chain ${profile.name} (${(err as Error).message})`,
        );
      }
      if (!res || !("result" in res) || typeof res.result !== "string") {
        throw new ChainConnectError(`--rpc ${t.name}: eth_chainId gave no answer for chain ${profile.name}`);
      }
      const chainId = Number(BigInt(res.result));
      if (chainId !== profile.chainId) {
        throw new ChainConnectError(
          `--rpc ${t.name}: serves chain id ${chainId}, but profile ${profile.name} is chain id ${profile.chainId}`,
        );
      }
    }),
  );
  return new FailoverProvider(transports, {
    chainId: profile.chainId,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    ...(o.log ? { log: o.log } : {}),
  });
}

/**
 * A ws(s) URL for new heads, checked at start like every --rpc URL: it must answer eth_chainId with the profile's
 * chain id, else the run is refused naming the URL (heads of another chain, or none, would be worse than no start).
 * Once running, a socket that drops or is refused is reopened and, failing that, the head is polled (ws-heads.ts).
 */
export async function checkHeadsUrl(profile: ChainProfile, url: string, timeoutMs = 10_000): Promise<void> {
  const network = Network.from(profile.chainId);
  let socket: WebSocketProvider;
  try {
    socket = new WebSocketProvider(url, network, { staticNetwork: network });
  } catch (err) {
    throw new ChainConnectError(`--rpc ${url}: not a WebSocket URL (${(err as Error).message})`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const failed = new Promise<never>((_, reject) => {
      const ws = socket.websocket as { addEventListener?: (type: string, listener: (e: unknown) => void) => void };
      const why = (e: unknown) => (e as { message?: string; error?: Error }).error?.message ?? "connection closed";
      ws.addEventListener?.("error", (e) => reject(new Error(why(e))));
      ws.addEventListener?.("close", () => reject(new Error("connection closed")));
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    let chainId: number;
    try {
      chainId = Number(BigInt((await Promise.race([socket.send("eth_chainId", []), failed])) as string));
    } catch (err) {
      throw new ChainConnectError(`--rpc ${url}: unreachable for chain ${profile.name} (${(err as Error).message})`);
    }
    if (chainId !== profile.chainId) {
      throw new ChainConnectError(
        `--rpc ${url}: serves chain id ${chainId}, but profile ${profile.name} is chain id ${profile.chainId}`,
      );
    }
  } finally {
    clearTimeout(timer);
    await Promise.resolve(socket.destroy()).catch(() => undefined);
  }
}
