/**
 * `orion trade --rpc ws://...`: heads from eth_subscribe("newHeads"), not from polling. `orion devnet` runs as a
 * foreign chain; in front of it a relay serves JSON-RPC over HTTP and WebSocket, forwarding every request to the
 * devnet and counting it, and pushes the devnet's real blocks as eth_subscription notifications. It drops the socket
 * once, mid-session, to make the head source reconnect.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { startOrionDevnet, type OrionDevnet } from "../../test/support/orion-devnet.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { untilTrue } from "../../test/support/until.ts";
import { connectChain, loadChainProfile, type ChainProfile } from "../chain/index.ts";
import { discover } from "../discover/index.ts";
import { runTrade } from "./trade.ts";

const BLOCKS = 8;
/** The relay drops the first subscriber after this many heads. */
const DROP_AFTER = 3;

interface RpcRequest {
  id: number | string;
  method: string;
  params?: unknown[];
}
interface RpcBlock {
  number: string;
}

let dir: string;
let db: TestDatabase;
let devnet: OrionDevnet | undefined;
let devnetUrl: string;
let profile: ChainProfile;
let profileFile: string;
let snapshot: string;

async function devnetCall<T>(method: string, params: unknown[]): Promise<T> {
  const res = await fetch(devnetUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result: T };
  return body.result;
}

/** JSON-RPC over HTTP and WebSocket in front of the devnet: every request a client makes is counted by method. */
class Relay {
  readonly calls: string[] = [];
  /**
   * Blocks read over the WebSocket and answered (the head source's reads; the executor reads blocks over HTTP). A read
   * whose answer the drop cut off is not counted: it never arrived, and asking again is right.
   */
  readonly socketBlockReads: string[] = [];
  connections = 0;
  private readonly subscribers = new Map<WebSocket, string>();
  private pushed = -1;
  private notified = 0;
  private dropped = false;
  private pumping = true;
  private pump: Promise<void> | undefined;
  readonly server: Server;
  readonly wss: WebSocketServer;

  constructor() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
        void Promise.all((Array.isArray(parsed) ? parsed : [parsed]).map((r) => this.answer(r))).then((out) => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(Array.isArray(parsed) ? out : out[0]));
        });
      });
    });
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on("connection", (socket) => {
      this.connections++;
      socket.on("message", (data: Buffer) => {
        const request = JSON.parse(data.toString()) as RpcRequest;
        void this.answerSocket(socket, request).then((reply) => {
          if (socket.readyState !== socket.OPEN) return;
          if (request.method === "eth_getBlockByNumber") this.socketBlockReads.push(String(request.params?.[0]));
          socket.send(JSON.stringify(reply));
        });
      });
      socket.on("close", () => this.subscribers.delete(socket));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    // Push the devnet's blocks as they are mined, each once, in order (the relay's own reads are not counted).
    this.pushed = Number(BigInt(await devnetCall<string>("eth_blockNumber", [])));
    this.pump = (async () => {
      while (this.pumping) {
        const head = Number(BigInt(await devnetCall<string>("eth_blockNumber", [])));
        for (let n = this.pushed + 1; n <= head; n++)
          this.notify(await devnetCall<RpcBlock>("eth_getBlockByNumber", ["0x" + n.toString(16), false]));
        this.pushed = Math.max(this.pushed, head);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return (this.server.address() as AddressInfo).port;
  }

  private notify(block: RpcBlock): void {
    for (const [socket, subscription] of this.subscribers) {
      socket.send(
        JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription, result: block } }),
      );
      this.notified++;
      if (!this.dropped && this.notified >= DROP_AFTER) {
        this.dropped = true;
        socket.terminate();
      }
    }
  }

  private async answerSocket(socket: WebSocket, r: RpcRequest): Promise<unknown> {
    this.calls.push(r.method);
    if (r.method === "eth_subscribe") {
      if (r.params?.[0] !== "newHeads")
        return { jsonrpc: "2.0", id: r.id, error: { code: -32602, message: "newHeads only" } };
      const id = "0x" + randomBytes(16).toString("hex");
      this.subscribers.set(socket, id);
      return { jsonrpc: "2.0", id: r.id, result: id };
    }
    if (r.method === "eth_unsubscribe") {
      const had = this.subscribers.get(socket) === r.params?.[0];
      if (had) this.subscribers.delete(socket);
      return { jsonrpc: "2.0", id: r.id, result: had };
    }
    return this.forward(r);
  }

  private async answer(r: RpcRequest): Promise<unknown> {
    this.calls.push(r.method);
    return this.forward(r);
  }

  private async forward(r: RpcRequest): Promise<unknown> {
    const res = await fetch(devnetUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", ...r }),
    });
    return res.json();
  }

  async close(): Promise<void> {
    this.pumping = false;
    await this.pump;
    for (const c of this.wss.clients) c.terminate();
    await new Promise((r) => this.wss.close(r));
    await new Promise((r) => this.server.close(r));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-ws-heads-"));
  db = await createTestDatabase();
  profileFile = join(dir, "devnet.json");
  devnet = await startOrionDevnet(dir, profileFile, 500);
  devnetUrl = devnet.url;
  profile = await loadChainProfile(profileFile, dir);
  // The pools are discovered straight from the devnet, so the relay counts only what the session asks.
  snapshot = join(dir, "pools.json");
  const direct = await connectChain(profile, [devnetUrl]);
  await discover({ profile, provider: direct, out: snapshot, minLiquidity: 1000n, progress: () => undefined });
  direct.destroy();
}, 240_000);

afterAll(async () => {
  await devnet?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("orion trade with a WebSocket RPC URL", () => {
  it("takes every devnet block once from newHeads, never polls the head, and reconnects a dropped socket", async () => {
    const relay = new Relay();
    const port = await relay.listen();
    try {
      const provider = await connectChain(profile, [`http://127.0.0.1:${port}`], { requestTimeoutMs: 5_000 });
      const lines: string[] = [];
      const { report } = await runTrade({
        profile,
        profileFile,
        provider,
        headsUrl: `ws://127.0.0.1:${port}`,
        pools: snapshot,
        executor: null,
        mode: "sim",
        blocks: BLOCKS,
        report: null,
        port: 0,
        dataDir: dir,
        databaseUrl: db.url,
        out: (line) => lines.push(line),
      });
      // Exactly BLOCKS consecutive heads handled: none skipped, none twice, the drop included.
      expect(report.blocks.to - report.blocks.from + 1).toBe(BLOCKS);
      expect(relay.connections).toBeGreaterThanOrEqual(2);
      expect(relay.calls.filter((m) => m === "eth_subscribe").length).toBeGreaterThanOrEqual(2);
      // No polling of the head, over either protocol (the executor's own reads of "latest" price each order).
      expect(relay.calls).not.toContain("eth_blockNumber");
      // A head is taken from its notification's header: only blocks the drop kept from the socket are read, once.
      const reads = relay.socketBlockReads;
      expect(new Set(reads).size).toBe(reads.length);
      expect(reads.length).toBeLessThan(BLOCKS);
      // Nothing stays open once the session is over.
      await untilTrue(() => relay.wss.clients.size === 0, "the head socket to close", 10_000);
    } finally {
      await relay.close();
    }
  }, 180_000);
});
