/**
 * The devnet's own JSON-RPC server on a real EDR node: what clients (ethers, viem, alto, ws-heads) rely on, as
 * JSON-RPC 2.0 and Hardhat's server answered it: ids kept, batches, a revert's error with its raw data, JSON-RPC's
 * error codes for bad input, keep-alive, and newHeads over WebSocket on the same port.
 */
import { Agent, request as httpRequest } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { JsonRpcProvider } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startDevnet, type Devnet } from "./devnet.ts";

let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ listen: { port: 0 } });
}, 120_000);

afterAll(async () => {
  await devnet?.close();
});

/** Creation code that reverts at once with the four bytes 0xdeadbeef as its data. */
const REVERTS_DEADBEEF = "0x63deadbeef6000526004601cfd";

async function post(body: string, agent?: Agent): Promise<{ status: number; text: string; keepAlive: boolean }> {
  const url = new URL(devnet.url!);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: "POST", headers: { "content-type": "application/json" }, agent },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text, keepAlive: res.headers.connection === "keep-alive" }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const rpc = async (payload: unknown) => JSON.parse((await post(JSON.stringify(payload))).text) as unknown;

describe("the devnet's JSON-RPC server over HTTP", () => {
  it("answers a batch in order, each with its own id, a failure beside successes", async () => {
    const answers = await rpc([
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
      { jsonrpc: "2.0", id: "two", method: "orion_noSuchMethod", params: [] },
      { jsonrpc: "2.0", id: 3, method: "eth_blockNumber" },
    ]);
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, result: "0x7a69" },
      { jsonrpc: "2.0", id: "two", error: expect.objectContaining({ code: -32004 }) },
      { jsonrpc: "2.0", id: 3, result: expect.stringMatching(/^0x[0-9a-f]+$/) },
    ]);
  });

  it("answers an unknown method with the node's method-not-supported error (EDR's -32004, as Hardhat's server) naming it", async () => {
    const answer = (await rpc({ jsonrpc: "2.0", id: 7, method: "orion_noSuchMethod", params: [] })) as {
      error: { code: number; message: string };
    };
    expect(answer).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32004 } });
    expect(answer.error.message).toContain("orion_noSuchMethod");
  });

  it("answers a revert with code 3 and the raw revert data, which ethers decodes", async () => {
    const answer = await rpc({ jsonrpc: "2.0", id: 9, method: "eth_call", params: [{ data: REVERTS_DEADBEEF }] });
    expect(answer).toMatchObject({ jsonrpc: "2.0", id: 9, error: { code: 3, data: "0xdeadbeef" } });
    const ethers = new JsonRpcProvider(devnet.url!, devnet.chainId, { staticNetwork: true });
    try {
      await expect(ethers.call({ data: REVERTS_DEADBEEF })).rejects.toMatchObject({
        code: "CALL_EXCEPTION",
        data: "0xdeadbeef",
      });
    } finally {
      ethers.destroy();
    }
  });

  it("answers a body that is not JSON with a parse error, and a request without a method as invalid", async () => {
    const bad = await post('{"jsonrpc":"2.0","id":1,"method":');
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.text)).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    expect(await rpc({ jsonrpc: "2.0", id: 4, params: [] })).toMatchObject({ id: 4, error: { code: -32600 } });
    expect(await rpc([])).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await rpc([5])).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
    ]);
  });

  it("runs a notification (no id) without answering it", async () => {
    const before = await devnet.blockNumber();
    const res = await post(JSON.stringify({ jsonrpc: "2.0", method: "evm_mine", params: [] }));
    expect(res).toMatchObject({ status: 204, text: "" });
    expect(await devnet.blockNumber()).toBe(before + 1);
  });

  it("keeps a connection alive across requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      agent.on("free", (socket) => sockets.add(socket));
      for (let i = 0; i < 3; i++) {
        const res = await post(JSON.stringify({ jsonrpc: "2.0", id: i, method: "eth_chainId" }), agent);
        expect(res.keepAlive).toBe(true);
      }
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

describe("the devnet's JSON-RPC server over WebSocket", () => {
  it("sends newHeads to the socket that subscribed until it unsubscribes, and answers batches", async () => {
    const ws = new WebSocket(devnet.url!.replace(/^http/, "ws"));
    const messages: {
      id?: number;
      result?: unknown;
      method?: string;
      params?: { subscription: string; result: { number: string } };
    }[] = [];
    ws.on("message", (d: Buffer) => {
      const m = JSON.parse(d.toString()) as (typeof messages)[number] | (typeof messages)[number][];
      messages.push(...(Array.isArray(m) ? m : [m]));
    });
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    try {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
      await expect.poll(() => messages.find((m) => m.id === 1)).toBeDefined();
      const subscription = messages.find((m) => m.id === 1)!.result as string;
      await devnet.mine();
      const head = await devnet.blockNumber();
      await expect
        .poll(() => messages.filter((m) => m.method === "eth_subscription").map((m) => m.params))
        .toEqual([{ subscription, result: expect.objectContaining({ number: `0x${head.toString(16)}` }) }]);

      ws.send(
        JSON.stringify([
          { jsonrpc: "2.0", id: 2, method: "eth_unsubscribe", params: [subscription] },
          { jsonrpc: "2.0", id: 3, method: "eth_chainId", params: [] },
        ]),
      );
      await expect
        .poll(() => messages.filter((m) => m.id === 2 || m.id === 3).map((m) => m.result))
        .toEqual([true, "0x7a69"]);
      await devnet.mine();
      await new Promise((r) => setTimeout(r, 100));
      expect(messages.filter((m) => m.method === "eth_subscription")).toHaveLength(1);
    } finally {
      ws.close();
    }
  });

  it("answers a malformed message with a parse error on the socket", async () => {
    const ws = new WebSocket(devnet.url!.replace(/^http/, "ws"));
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    try {
      const answer = new Promise<unknown>((r) => ws.once("message", (d: Buffer) => r(JSON.parse(d.toString()))));
      ws.send("not json");
      expect(await answer).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    } finally {
      ws.close();
    }
  });
});

describe("the devnet's endpoint on a port in use", () => {
  it("refuses to start with the listen error's code (orion devnet turns it into one line and exit 2)", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    try {
      const { port } = taken.address() as AddressInfo;
      // Hardhat's server let its WebSocket server re-emit this error unhandled, which killed the process.
      await expect(startDevnet({ listen: { port } })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 60_000);
});

describe("the devnet's in-process heads", () => {
  it("tells a listener of each mined block's number, and nothing after its stop", async () => {
    const seen: number[] = [];
    const stop = await devnet.onBlock((n) => seen.push(n));
    const start = await devnet.blockNumber();
    await devnet.mine(2);
    await expect.poll(() => seen).toEqual([start + 1, start + 2]);
    await stop();
    await devnet.mine();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([start + 1, start + 2]);
  });
});
