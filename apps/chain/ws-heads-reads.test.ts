/**
 * A head's reads go as one batch over the socket its notification came by (WebSocketHeads.reads): no HTTP request,
 * each read answered or refused on its own. A node that leaves a batch on its socket unanswered costs one timeout:
 * that batch and every later one go over HTTP.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { BlockHead } from "./block-collector.ts";
import { startDevnet } from "./devnet.ts";
import type { Devnet } from "./devnet.ts";
import { resultOf } from "./rpc-batch.ts";
import { FailoverProvider, eip1193Transport, httpTransport } from "./rpc.ts";
import { WebSocketHeads } from "./ws-heads.ts";

let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ listen: { port: 0 } });
}, 120_000);

afterAll(async () => {
  await devnet?.close();
});

/** Starts `heads` and mines until it has handed on a head (its socket open and subscribed); the heads handed on. */
async function listening(heads: WebSocketHeads): Promise<BlockHead[]> {
  const seen: BlockHead[] = [];
  heads.start(
    (h) => void seen.push(h),
    () => undefined,
  );
  await expect
    .poll(
      async () => {
        await devnet.mine();
        return seen.length;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBeGreaterThan(0);
  return seen;
}

const gasPrice = { method: "eth_gasPrice", params: [] };

describe("WebSocketHeads.reads", () => {
  it("sends a head's reads over its socket as one batch, each answered or refused on its own", async () => {
    // An HTTP endpoint nothing listens on: a read that went over HTTP would fail.
    const provider = new FailoverProvider([httpTransport("http://127.0.0.1:9")], { chainId: 31337 });
    const heads = new WebSocketHeads(devnet.url!.replace(/^http/, "ws"), provider, { chainId: 31337, pollMs: 60_000 });
    try {
      const head = (await listening(heads)).at(-1)!;
      const answers = await heads.reads([
        { method: "eth_getLogs", params: [{ blockHash: head.hash }] },
        gasPrice,
        { method: "eth_noSuchMethod", params: [] },
      ]);
      expect(resultOf(answers[0])).toEqual([]);
      expect(resultOf(answers[1])).toBe(await devnet.provider.request({ method: "eth_gasPrice", params: [] }));
      expect(answers[2]).toMatchObject({ ok: false });
    } finally {
      await heads.stop();
      provider.destroy();
    }
  }, 60_000);

  it("reads over HTTP once the node leaves a batch on its socket unanswered", async () => {
    // In front of the devnet: subscriptions and single requests answered, batches never.
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const subscribers = new Map<import("ws").WebSocket, string>();
    wss.on("connection", (socket) => {
      socket.on("message", (data: Buffer) => {
        const r = JSON.parse(data.toString()) as { id: number; method: string; params?: unknown[] } | unknown[];
        if (Array.isArray(r)) return;
        const reply = (result: unknown) => socket.send(JSON.stringify({ jsonrpc: "2.0", id: r.id, result }));
        if (r.method === "eth_subscribe") {
          const id = `0x${randomBytes(16).toString("hex")}`;
          subscribers.set(socket, id);
          return reply(id);
        }
        void devnet.provider.request({ method: r.method, params: r.params ?? [] }).then(reply);
      });
      socket.on("close", () => subscribers.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const stopNotifying = await devnet.onBlock((n) => {
      void devnet.provider
        .request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })
        .then((result) => {
          for (const [socket, subscription] of subscribers) {
            const params = { subscription, result };
            socket.send(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params }));
          }
        });
    });
    const provider = new FailoverProvider([eip1193Transport("devnet", devnet.provider)], { chainId: 31337 });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lines: string[] = [];
    const heads = new WebSocketHeads(url, provider, {
      chainId: 31337,
      pollMs: 60_000,
      readTimeoutMs: 200,
      log: (line) => lines.push(line),
    });
    try {
      await listening(heads);
      const price = await devnet.provider.request({ method: "eth_gasPrice", params: [] });
      let started = performance.now();
      expect(resultOf((await heads.reads([gasPrice]))[0])).toBe(price);
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
      expect(lines.filter((l) => l.includes("reading over HTTP instead"))).toHaveLength(1);
      // The next batch goes over HTTP at once: no second timeout.
      started = performance.now();
      expect(resultOf((await heads.reads([gasPrice]))[0])).toBe(price);
      expect(performance.now() - started).toBeLessThan(200);
      expect(lines.filter((l) => l.includes("reading over HTTP instead"))).toHaveLength(1);
    } finally {
      await heads.stop();
      provider.destroy();
      await stopNotifying();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
