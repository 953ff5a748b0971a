import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Devnet } from "./devnet.ts";
import { startDevnet } from "./devnet.ts";
import { FailoverProvider, httpTransport } from "./rpc.ts";
import type { RpcTransport } from "./rpc.ts";

let devnet: Devnet;
let deadUrl: string;

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A node that accepts connections and never answers: the worst kind of "down". */
async function silentNode(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A node that answers one request per connection and then resets it at the next request, as a server does to a
 * keep-alive connection it closed for idling just as the client sent on it.
 */
async function oneRequestPerConnection(): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    let answered = false;
    let buffer = "";
    s.on("data", (d: Buffer) => {
      if (answered) return s.resetAndDestroy();
      buffer += d.toString();
      const head = buffer.indexOf("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(buffer)?.[1] ?? 0);
      if (head < 0 || buffer.length < head + 4 + length) return;
      const { id } = (JSON.parse(buffer.slice(head + 4)) as { id: number }[])[0] as { id: number };
      const body = JSON.stringify([{ jsonrpc: "2.0", id, result: "0x5" }]);
      answered = true;
      s.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A node frozen at an old block, as a lagging replica is. */
function laggingNode(blockNumber: number): RpcTransport {
  return {
    name: "lagging",
    send: async (payloads) => payloads.map((p) => ({ id: p.id, result: `0x${blockNumber.toString(16)}` })),
  };
}

beforeAll(async () => {
  devnet = await startDevnet({ listen: { port: 0 } });
  await devnet.setAutomine(false);
  await devnet.mine(5);
  deadUrl = `http://127.0.0.1:${await deadPort()}`;
});

afterAll(async () => {
  await devnet?.close();
});

describe("FailoverProvider", () => {
  it("answers from the next URL within the same call when the first one is down", async () => {
    const provider = FailoverProvider.fromUrls([deadUrl, devnet.url!], { chainId: 31337 });
    const started = performance.now();
    expect(await provider.getBlockNumber()).toBe(5);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(provider.activeEndpoint).toBe(devnet.url);
    expect(provider.newestBlock).toBe(5);
    provider.destroy();
  });

  it("gives up on a node that hangs after its request timeout, well within a 1 s block", async () => {
    const silent = await silentNode();
    const provider = FailoverProvider.fromUrls([silent.url, devnet.url!], { chainId: 31337, requestTimeoutMs: 300 });
    const started = performance.now();
    expect(await provider.getBlockNumber()).toBe(5);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(provider.activeEndpoint).toBe(devnet.url);
    provider.destroy();
    await silent.close();
  });

  it("demotes an endpoint lagging behind the newest block seen, and reports each endpoint's health", async () => {
    const provider = new FailoverProvider([laggingNode(2), httpTransport(devnet.url!), httpTransport(deadUrl)], {
      chainId: 31337,
    });
    expect(provider.activeEndpoint).toBe("lagging");
    const health = await provider.checkHealth();
    expect(health.map((h) => [h.name, h.healthy, h.blockNumber])).toEqual([
      ["lagging", false, 2],
      [devnet.url, true, 5],
      [deadUrl, false, null],
    ]);
    expect(provider.activeEndpoint).toBe(devnet.url);
    expect(await provider.getBlockNumber()).toBe(5);
    provider.destroy();
  });

  it("passes JSON-RPC errors through without failing over: a revert is an answer, not an outage", async () => {
    const provider = FailoverProvider.fromUrls([devnet.url!, deadUrl], { chainId: 31337 });
    await expect(provider.send("eth_noSuchMethod", [])).rejects.toThrow();
    expect(provider.activeEndpoint).toBe(devnet.url);
    provider.destroy();
  });
});

describe("httpTransport", () => {
  it("asks again on a new connection when the node reset the idle one it reused, but never sends twice", async () => {
    const node = await oneRequestPerConnection();
    const transport = httpTransport(node.url);
    const ask = (method: string) => transport.send([{ id: 7, jsonrpc: "2.0", method, params: [] }], 2_000);
    try {
      expect(await ask("eth_blockNumber")).toEqual([{ jsonrpc: "2.0", id: 7, result: "0x5" }]);
      // The same connection, reset by the node: a read is asked again on a second one.
      expect(await ask("eth_blockNumber")).toEqual([{ jsonrpc: "2.0", id: 7, result: "0x5" }]);
      expect(node.connections()).toBe(2);
      // A transaction may have reached the node before the reset: it is not sent again.
      await expect(ask("eth_sendRawTransaction")).rejects.toMatchObject({ code: "ECONNRESET" });
      expect(node.connections()).toBe(2);
    } finally {
      await node.close();
    }
  });
});
