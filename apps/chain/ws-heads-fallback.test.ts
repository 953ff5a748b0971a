/**
 * WebSocketHeads on a real devnet (EDR served on 127.0.0.1, which speaks eth_subscribe over WebSocket on its JSON-RPC
 * port), mining every 150 ms: when the socket is refused from the start, and when it drops mid-run and every
 * reconnect is refused, the heads keep coming by polling over HTTP, in order and each once. The drop is a real
 * one: the socket runs through a TCP relay that the test tears down. And a ws URL of another chain is refused at start.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { untilTrue } from "../../test/support/until.ts";
import { checkHeadsUrl, ChainConnectError } from "./connect.ts";
import { startDevnet, type Devnet } from "./devnet.ts";
import type { BlockHead } from "./head-source.ts";
import { parseChainProfile } from "./profile.ts";
import { FailoverProvider } from "./rpc.ts";
import { WebSocketHeads } from "./ws-heads.ts";

let devnet: Devnet;
let provider: FailoverProvider;

beforeAll(async () => {
  devnet = await startDevnet({ listen: { port: 0 } });
  await devnet.setAutomine(false);
  await devnet.setBlockInterval(150);
  provider = FailoverProvider.fromUrls([devnet.url!], { chainId: devnet.chainId, requestTimeoutMs: 5_000 });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
});

/** A TCP relay to the devnet's port: what passes through it is the devnet's own traffic, until it is torn down. */
async function relay(): Promise<{ url: string; tearDown: () => Promise<void> }> {
  const target = new URL(devnet.url!);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    // No new connections (a reconnect is refused), and the open ones cut.
    tearDown: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** A free port with nothing listening on it: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `ws://127.0.0.1:${port}`;
}

/** Heads from `url` that poll (every 25 ms) once two reconnects 10 ms apart failed, logging into `log`. */
function headsGivingUpAfterTwoRetries(url: string, log: string[]): WebSocketHeads {
  return new WebSocketHeads(url, provider, {
    chainId: devnet.chainId,
    pollMs: 25,
    backoffMs: 10,
    maxRetries: 2,
    log: (line) => log.push(line),
  });
}

/** Each head once, in order (polling may jump blocks it did not see; PoolState re-reads after a gap). */
function increasing(heads: BlockHead[]): void {
  const numbers = heads.map((h) => h.number);
  for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
}

describe("WebSocketHeads on a real devnet", () => {
  it("falls back to polling when the socket is refused from the start, and delivers every head once", async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const heads: BlockHead[] = [];
    const source = headsGivingUpAfterTwoRetries(await refusedUrl(), log);
    source.start(
      (h) => void heads.push(h),
      (err) => errors.push(err),
    );
    try {
      await untilTrue(() => heads.length >= 5, "5 heads by polling", 30_000);
    } finally {
      await source.stop();
    }
    expect(log.filter((l) => /reconnecting in \d+ ms/.test(l))).toHaveLength(2);
    expect(log.at(-1)).toMatch(/closed 2 times in a row; polling the head every 25 ms instead$/);
    increasing(heads);
    expect(source.lastHead?.number).toBe(heads.at(-1)?.number);
  }, 60_000);

  it("falls back to polling when a working socket drops and every reconnect is refused, never repeating the head it was on", async () => {
    const through = await relay();
    const log: string[] = [];
    const heads: BlockHead[] = [];
    const source = headsGivingUpAfterTwoRetries(through.url, log);
    source.start(
      (h) => void heads.push(h),
      () => undefined,
    );
    try {
      await untilTrue(() => heads.length >= 3, "3 heads over the socket", 30_000);
      // Nothing polled so far: every head came by subscription.
      expect(log).toEqual([]);
      const before = heads.length;
      await through.tearDown();
      await untilTrue(() => log.some((l) => l.includes("polling the head")), "polling after the drop", 30_000);
      await untilTrue(() => heads.length >= before + 3, "3 more heads by polling", 30_000);
    } finally {
      await source.stop();
    }
    expect(log[0]).toMatch(/closed; reconnecting in 10 ms \(attempt 1 of 2\)/);
    increasing(heads);
  }, 60_000);

  it("refuses, at start, a ws URL that serves another chain or none", async () => {
    const other = await startDevnet({ listen: { port: 0 }, chainId: 10 });
    try {
      const profile = parseChainProfile(
        {
          schema: 1,
          name: "devnet",
          chainId: devnet.chainId,
          wrappedNative: `0x${"11".repeat(20)}`,
          baseTokens: [`0x${"11".repeat(20)}`],
          dexes: [{ name: "v2", protocol: "uniswap-v2", factory: `0x${"22".repeat(20)}`, feeBps: 30, fromBlock: 0 }],
          fees: { type: "eip1559", minPriorityFeeWei: "0" },
          blockTimeMs: 1000,
          gasModel: "ethereum",
        },
        "test",
      );
      const wrong = other.url!.replace(/^http/, "ws");
      await expect(checkHeadsUrl(profile, wrong)).rejects.toThrow(
        new ChainConnectError(`--rpc ${wrong}: serves chain id 10, but profile devnet is chain id 31337`),
      );
      const refused = await refusedUrl();
      await expect(checkHeadsUrl(profile, refused)).rejects.toThrow(
        /^--rpc ws:\/\/127\.0\.0\.1:\d+: unreachable for chain devnet \(.*ECONNREFUSED/,
      );
      await expect(checkHeadsUrl(profile, devnet.url!.replace(/^http/, "ws"))).resolves.toBeUndefined();
    } finally {
      await other.close();
    }
  }, 120_000);
});
