import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBus, opportunitiesTopic, type BlockOpportunities, type Bus } from "../bus/index.ts";
import {
  BlockCollector,
  eip1193Transport,
  FailoverProvider,
  PoolState,
  startLocalChain,
  V3PoolStates,
  type BlockHead,
  type LocalChain,
} from "../chain/index.ts";
import { recordingProvider } from "../chain/testing/recording-provider.ts";
import { ArbitrageScanner } from "../core/index.ts";
import { ScannerService } from "./index.ts";

let chain: LocalChain;
let provider: FailoverProvider;
const sharedProvider = () => provider;

beforeAll(async () => {
  chain = await startLocalChain({ seed: 5 });
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
});
afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

async function service(bus: Bus, withV3 = false, provider = sharedProvider()) {
  const { markets } = chain;
  const poolState = await PoolState.create(provider, markets.pools);
  const v3States = withV3 ? await V3PoolStates.create(provider, markets.v3!.pools) : undefined;
  const options = {
    tokens: markets.tokens,
    baseTokens: [markets.baseToken],
    maxHops: 3,
    basePerNative: { [markets.baseToken]: { num: 1n, den: 1n } },
    tipWei: 2_000_000_000n,
  };
  const svc = new ScannerService({ provider, poolState, ...(v3States ? { v3States } : {}), bus, options });
  return { svc, poolState, v3States, options };
}

async function nextHead(collector: BlockCollector) {
  await chain.simulator.step();
  await chain.devnet.mine();
  const head = await collector.poll();
  if (!head) throw new Error("no new head");
  return head;
}

describe("scanner service on the devnet", () => {
  it("publishes each block's opportunities exactly as a full scan of the same state finds them", async () => {
    const bus = createMemoryBus();
    const got: BlockOpportunities[] = [];
    await bus.subscribe(opportunitiesTopic, { group: "t", consumer: "t" }, async (b) => void got.push(b));
    const requests: string[][] = [];
    const counting = recordingProvider(chain.devnet.provider, requests);
    const { svc, poolState, options } = await service(bus, false, counting);
    const collector = new BlockCollector(provider);
    for (let i = 0; i < 4; i++) {
      const head = await nextHead(collector);
      requests.length = 0;
      const report = await svc.onHead(head);
      expect(report?.published).toBe(true);
      // A V2-only market too: after the first block's full read, the block's logs go with the gas price, one request.
      if (i > 0) expect(requests).toEqual([["eth_getLogs", "eth_gasPrice"]]);
      // Its steps, in order, detect ending with the scan.
      const { handed, answered, applied, scanned, built } = report!.steps;
      expect([handed, answered, applied, scanned, built]).toEqual(
        [handed, answered, applied, scanned, built].sort((a, b) => a - b),
      );
      expect(report!.detectMs).toBe(scanned);
    }
    await bus.close();
    counting.destroy();
    expect(got.map((b) => b.blockNumber)).toEqual(Array.from({ length: 4 }, (_, i) => got[0]!.blockNumber + i));
    const last = got.at(-1)!;
    const reference = new ArbitrageScanner({ ...options, pools: poolState.pools() }).fullScan();
    expect(last.candidates.map((c) => [c.pools, c.amountIn, c.profit])).toEqual(
      reference.map((o) => [o.pools, o.amountIn, o.profit]),
    );
    expect(new Set(last.candidates.map((c) => c.id)).size).toBe(last.candidates.length);
    expect(last.gasPriceWei).toBeGreaterThan(2_000_000_000n);
    // Each block goes with its header as the head brought it: the executor needs no header read of its own.
    const header = await provider.getBlock(last.blockNumber);
    expect(last.header).toEqual({ timestamp: header!.timestamp, baseFeeWei: header!.baseFeePerGas });
  });

  it("with the V3 pools: each block's set is a full scan of the V2 and V3 states at that block, mixed cycles too", async () => {
    const bus = createMemoryBus();
    const got: BlockOpportunities[] = [];
    await bus.subscribe(opportunitiesTopic, { group: "t", consumer: "t" }, async (b) => void got.push(b));
    const requests: string[][] = [];
    const counting = recordingProvider(chain.devnet.provider, requests);
    const { svc, poolState, v3States, options } = await service(bus, true, counting);
    const collector = new BlockCollector(provider);
    let mixed = 0;
    for (let i = 0; i < 6; i++) {
      const head = await nextHead(collector);
      requests.length = 0;
      const report = await svc.onHead(head);
      expect(report?.published).toBe(true);
      // After the first block's full read, the V2 and V3 states advance from one eth_getLogs of the block,
      // and that read goes with the gas price in one HTTP request.
      if (i > 0) expect(requests).toEqual([["eth_getLogs", "eth_gasPrice"]]);
      const published = got.at(-1)!;
      const reference = new ArbitrageScanner({
        ...options,
        pools: poolState.pools(),
        v3Pools: v3States!.pools(),
      }).fullScan();
      expect(published.candidates.map((c) => [c.pools, c.amountIn, c.profit, c.protocols])).toEqual(
        reference.map((o) => [o.pools, o.amountIn, o.profit, o.protocols]),
      );
      mixed += published.candidates.filter((c) => c.protocols?.includes("uniswap-v3")).length;
    }
    await bus.close();
    counting.destroy();
    // The traders move the V3 pools every block, so mixed cycles open: the scanner finds them (through the bus).
    expect(mixed).toBeGreaterThan(0);
  });

  it("a refused gas price fails the block's publication alone: its logs advance the states, the next block publishes", async () => {
    const bus = createMemoryBus();
    const got: BlockOpportunities[] = [];
    await bus.subscribe(opportunitiesTopic, { group: "t", consumer: "t" }, async (b) => void got.push(b));
    const direct = eip1193Transport("devnet", chain.devnet.provider);
    let refuse = false;
    const refusing = new FailoverProvider(
      [
        {
          name: "refusing",
          send: async (payloads, timeoutMs) => {
            const answers = await direct.send(payloads, timeoutMs);
            return answers.map((a, i) =>
              refuse && payloads[i]?.method === "eth_gasPrice"
                ? { id: a.id, error: { code: -32000, message: "gas price unavailable" } }
                : a,
            );
          },
        },
      ],
      { chainId: 31337 },
    );
    const { svc } = await service(bus, true, refusing);
    const collector = new BlockCollector(provider);
    expect(await svc.onHead(await nextHead(collector))).toMatchObject({ published: true });
    refuse = true;
    const head = await nextHead(collector);
    await expect(svc.onHead(head)).rejects.toThrow(/gas price unavailable/);
    refuse = false;
    // The refused block's logs were applied: the next block advances from its own logs, no re-read.
    expect(await svc.onHead(await nextHead(collector))).toMatchObject({ published: true, kind: "incremental" });
    await bus.close();
    refusing.destroy();
    expect(got).toHaveLength(2);
  });

  it("refuses to publish on state older than the newest block seen", async () => {
    const bus = createMemoryBus();
    const got: BlockOpportunities[] = [];
    await bus.subscribe(opportunitiesTopic, { group: "t", consumer: "t" }, async (b) => void got.push(b));
    const { svc } = await service(bus);
    const collector = new BlockCollector(provider);
    const head = await nextHead(collector);
    // Another endpoint (or the health check) has already seen a newer block than the one being processed.
    provider.observeBlock(head.number + 1);
    const report = await svc.onHead(head);
    await bus.close();
    expect(report).toMatchObject({ blockNumber: head.number, published: false });
    expect(got).toEqual([]);
  });

  it("when every block outlasts the block time: skips the heads stale on arrival, keeps their changes, publishes the rest", async () => {
    const bus = createMemoryBus();
    const got: BlockOpportunities[] = [];
    await bus.subscribe(opportunitiesTopic, { group: "t", consumer: "t" }, async (b) => void got.push(b));
    // A slow block, made deterministic: by the time the node answers a head's gas price, the next block is known.
    const direct = eip1193Transport("devnet", chain.devnet.provider);
    let processing = -1;
    const asked: string[] = [];
    const slow: FailoverProvider = new FailoverProvider(
      [
        {
          name: "slow",
          send: (payloads, timeoutMs) => {
            asked.push(...payloads.map((p) => p.method));
            if (processing >= 0 && payloads.some((p) => p.method === "eth_gasPrice")) slow.observeBlock(processing + 1);
            return direct.send(payloads, timeoutMs);
          },
        },
      ],
      { chainId: 31337 },
    );
    const { svc, poolState, options } = await service(bus, false, slow);
    const collector = new BlockCollector(slow);
    const handle = async (head: BlockHead) => {
      processing = head.number;
      return svc.onHead(head);
    };
    // Each head newest on arrival is published although a newer block came while it was processed.
    for (let i = 0; i < 2; i++) expect(await handle(await nextHead(collector))).toMatchObject({ published: true });
    // Two blocks behind: the older head, stale on arrival, advances the state without a scan.
    await chain.simulator.step();
    await chain.devnet.mine();
    const newest = await nextHead(collector);
    const older = await slow.getBlock(newest.number - 1);
    asked.length = 0;
    const skipped = await handle({
      number: older!.number,
      hash: older!.hash!,
      parentHash: older!.parentHash,
      timestamp: older!.timestamp,
      baseFee: older!.baseFeePerGas,
      seenAt: performance.now(),
    });
    expect(skipped).toMatchObject({ kind: "incremental", published: false, scanMs: 0, opportunities: 0 });
    expect(skipped!.changedPools).toBeGreaterThan(0);
    // Its logs were read, not the gas price that only a publication needs.
    expect(asked).toContain("eth_getLogs");
    expect(asked).not.toContain("eth_gasPrice");
    expect(await handle(newest)).toMatchObject({ published: true });
    await bus.close();
    slow.destroy();
    expect(got.map((b) => b.blockNumber)).toEqual([newest.number - 3, newest.number - 2, newest.number]);
    // Nothing lost: the newest head's set is a full scan of the state both heads' changes made.
    const reference = new ArbitrageScanner({ ...options, pools: poolState.pools() }).fullScan();
    expect(got.at(-1)!.candidates.map((c) => [c.pools, c.amountIn, c.profit])).toEqual(
      reference.map((o) => [o.pools, o.amountIn, o.profit]),
    );
  });
});
