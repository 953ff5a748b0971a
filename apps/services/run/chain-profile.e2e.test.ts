/**
 * `orion run scanner` configured from its environment takes its chain's profile (ORION_CHAIN) like `orion trade`:
 * on an OP-stack chain every block's opportunities carry the L1 data fee by route length, priced by the chain's own
 * GasPriceOracle, so the orchestrator's cost model covers it; the same chain under a profile with the ethereum gas
 * model carries none. The chain is `orion devnet --gas-model op-stack`, reached over JSON-RPC as a foreign chain.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrionDevnet, type OrionDevnet } from "../../../test/support/orion-devnet.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { createRedisBus, opportunitiesTopic, type BlockOpportunities } from "../../bus/index.ts";
import { connectChain, loadChainProfile } from "../../chain/index.ts";
import { discover } from "../../discover/index.ts";
import { runBot } from "./run-bot.ts";

const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
const prefix = testKeyPrefix();

let dir: string;
let devnet: OrionDevnet | undefined;
let opStack: string;
let snapshot: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-run-chain-"));
  opStack = join(dir, "devnet.json");
  devnet = await startOrionDevnet(dir, opStack, 400, "op-stack");
  const profile = await loadChainProfile(opStack, dir);
  const provider = await connectChain(profile, [devnet.url]);
  snapshot = join(dir, "pools.json");
  await discover({ profile, provider, out: snapshot, minLiquidity: 1000n, progress: () => undefined });
  provider.destroy();
}, 240_000);

afterAll(async () => {
  await devnet?.stop();
  await deleteKeysWithPrefix(prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The devnet's JSON-RPC over HTTP through a proxy that notes each request's method and first parameter: what a bot
 * asked over HTTP, and how often.
 */
async function notingProxy(): Promise<{ url: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      for (const r of [JSON.parse(body) as unknown].flat() as { method: string; params?: unknown[] }[]) {
        asked.push(`${r.method} ${JSON.stringify(r.params?.[0] ?? null)}`);
      }
      void fetch(devnet!.url, { method: "POST", headers: { "content-type": "application/json" }, body }).then(
        async (answer) => res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text()),
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A scanner as `orion run scanner` starts it, until it has published two blocks; returns those blocks. */
async function scannerBlocks(chain: string, keyPrefix: string, rpcUrls = devnet!.url): Promise<BlockOpportunities[]> {
  const abort = new AbortController();
  const done = runBot("scanner", {
    env: {
      PORT: "0",
      LOG_LEVEL: "warn",
      REDIS_URL: TEST_REDIS_URL,
      ORION_KEY_PREFIX: keyPrefix,
      RPC_URLS: rpcUrls,
      ORION_POOLS: snapshot,
      ORION_CHAIN: chain,
    },
    signal: abort.signal,
    logTo: quiet,
  });
  const bus = createRedisBus({ url: TEST_REDIS_URL, keyPrefix });
  const blocks: BlockOpportunities[] = [];
  try {
    let enough: () => void = () => undefined;
    const two = new Promise<void>((r) => (enough = r));
    const sub = await bus.subscribe(opportunitiesTopic, { group: "test", consumer: "test" }, async (b) => {
      blocks.push(b);
      if (blocks.length >= 2) enough();
    });
    const failed = done.then(() => {
      throw new Error("the scanner stopped before publishing two blocks");
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no two blocks within 90 s")), 90_000).unref(),
    );
    await Promise.race([two, failed, timeout]);
    await sub.stop();
  } finally {
    abort.abort();
    await done.catch(() => undefined);
    await bus.close();
  }
  return blocks;
}

describe("orion run scanner takes its chain's profile (ORION_CHAIN)", () => {
  it("on an OP-stack chain prices the L1 data fee of 2- and 3-hop routes every block; under an ethereum profile, none", async () => {
    for (const b of await scannerBlocks(opStack, `${prefix}op:`)) {
      const fee = b.l1FeeWeiByHops ?? {};
      expect(fee["2"]).toBeGreaterThan(0n);
      // A longer route is a longer transaction: more bytes to post to L1.
      expect(fee["3"]).toBeGreaterThan(fee["2"]!);
    }
    const ethereum = join(dir, "devnet-ethereum.json");
    await writeFile(ethereum, JSON.stringify({ ...JSON.parse(await readFile(opStack, "utf8")), gasModel: "ethereum" }));
    for (const b of await scannerBlocks(ethereum, `${prefix}eth:`)) expect(b.l1FeeWeiByHops).toBeUndefined();
  }, 240_000);

  it("with a ws(s) URL among RPC_URLS, takes its heads by subscription and reads each block over that socket", async () => {
    // The head, and the reads a block needs (its logs, the gas price) asked over HTTP.
    const blockReads = (asked: string[]) =>
      asked.filter((a) => a === 'eth_getBlockByNumber "latest"' || /^eth_(getLogs|gasPrice) /.test(a));
    const polled = await notingProxy();
    const subscribed = await notingProxy();
    try {
      await scannerBlocks(opStack, `${prefix}poll:`, polled.url);
      // Without one it polls the head every quarter block (100 ms here) and reads each block over HTTP.
      expect(blockReads(polled.asked).length).toBeGreaterThan(3);
      const blocks = await scannerBlocks(
        opStack,
        `${prefix}ws:`,
        `${subscribed.url},${devnet!.url.replace(/^http/, "ws")}`,
      );
      expect(blocks).toHaveLength(2);
      // With one, the heads come by subscription and each block's reads go over the same socket.
      expect(blockReads(subscribed.asked)).toEqual([]);
    } finally {
      await Promise.all([polled.close(), subscribed.close()]);
    }
  }, 240_000);
});
