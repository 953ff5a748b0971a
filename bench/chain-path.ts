/**
 * Block -> transaction sent through the chain-only path: head seen, pool state from Sync logs (and the V3 pools'
 * states from their events), incremental scan of the same V2 and V3 pools the pipeline's scanner searches, order,
 * eth_call simulation, nonce, signature, journal row in PostgreSQL, broadcast, with the same flash lenders. No bus or
 * orchestrator, and the decision record the journal requires is written outside the timed stages: the yardstick the
 * whole pipeline is compared with. Needs PostgreSQL like the tests.
 *
 * The chain is `orion devnet` in its own process, reached as any chain is: its chain profile (the file it writes),
 * JSON-RPC over HTTP, discovery of the profile's DEXes, and an ArbExecutor this run deploys over JSON-RPC. The run
 * mines each block itself (evm_mine) once the devnet's traders have sent their swaps for it, so every block has
 * trading in it and the samples do not depend on a block timer.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArbitrageScanner } from "../apps/core/index.ts";
import { BlockCollector, PoolState, V3PoolStates, connectChain, loadChainProfile } from "../apps/chain/index.ts";
import { discover } from "../apps/discover/index.ts";
import { ChainFlashLenders, HeadTicks, createExecutor, privateKeySigner } from "../apps/executor/index.ts";
import { deployDevnetContracts, startOrionDevnet } from "../apps/platform/devnet-host.ts";
import { DEFAULT_GAS_MODEL, chainSettings, loadMarket } from "../apps/services/index.ts";
import { v3Lenders } from "../apps/services/market.ts";
import type { Order } from "../apps/domain/index.ts";
import { PgTradeJournal, createPgPool, migrate } from "../apps/store/index.ts";
import { recordOrders } from "../apps/store/testing/orders.ts";
import { createTestDatabase } from "../test/support/postgres.ts";

export interface ChainPathResult {
  /** Milliseconds from the block being seen to each stage, one sample per block that reached it, unsorted. */
  stages: { state: number[]; scan: number[]; simulate: number[]; sent: number[] };
  confirmed: number;
  /** Confirmed trades that realized exactly the predicted profit with nothing ahead of them in the block. */
  exact: number;
}

/** The devnet's block timer, effectively off: this run mines. */
const NO_TIMER_MS = 600_000;
/**
 * Time the devnet's traders get after a block to send their swaps for the next one: they hear of the head in-process,
 * wait traderDelayMs (200 ms here) and send about fifteen requests.
 */
const TRADERS_MS = 350;

export async function runChainPath(o: { blocks: number }): Promise<ChainPathResult> {
  const dir = await mkdtemp(join(tmpdir(), "orion-chain-path-"));
  const devnet = await startOrionDevnet({
    profileFile: join(dir, "devnet.json"),
    blockTimeMs: NO_TIMER_MS,
    seed: 5,
    home: dir,
  });
  const db = await createTestDatabase("orion_bench");
  const pool = createPgPool(db.url);
  try {
    await migrate(pool);
    const profile = await loadChainProfile(devnet.profileFile, dir);
    const provider = await connectChain(profile, [devnet.url], { requestTimeoutMs: 5_000 });
    const { contract, owner } = await deployDevnetContracts(provider, { erc4337: false, blockTimeMs: 0 });
    const snapshot = join(dir, "pools.json");
    await discover({ profile, provider, out: snapshot, minLiquidity: 1000n, progress: () => undefined });
    const market = await loadMarket(snapshot, profile.wrappedNative);
    const feeOf = new Map(market.pools.map((p) => [p.address, p.feeBps]));
    const settings = chainSettings(profile);

    const state = await PoolState.create(provider, market.pools);
    const v3Pools = market.v3Pools ?? [];
    const v3 = v3Pools.length > 0 ? await V3PoolStates.create(provider, v3Pools) : null;
    const collector = new BlockCollector(provider);
    const first = (await collector.poll())!;
    await Promise.all([state.onBlock(first), v3?.onBlock(first)]);
    const scanner = new ArbitrageScanner({
      tokens: market.tokens,
      pools: state.pools(),
      ...(v3 ? { v3Pools: v3.pools() } : {}),
      baseTokens: market.baseTokens,
      maxHops: 3,
    });
    scanner.fullScan();
    // Sent trades are followed on the heads this run takes, as the pipeline's executor follows the scanner's.
    const heads = new HeadTicks();
    const executor = await createExecutor({
      mode: "live",
      provider,
      journal: new PgTradeJournal(pool),
      readMode: async () => "live",
      contract,
      account: owner.address,
      loadSigner: () => privateKeySigner(owner.privateKey),
      heads,
      feeOf: (p) => feeOf.get(p) ?? 30,
      flashLenders: new ChainFlashLenders(provider, { ...settings.flashLenders, v3Pools: v3Lenders(market) }),
      // Priced, estimated and timed as the pipeline's executor is (chainSettings): the comparison is like for like.
      options: {
        fees: settings.fees,
        priorityFeeWei: settings.tipWei,
        gasModel: DEFAULT_GAS_MODEL,
        deadlineBlocks: settings.deadline.blocks,
        deadlineSeconds: settings.deadline.seconds,
      },
    });
    await executor.reconcile();

    const stages: ChainPathResult["stages"] = { state: [], scan: [], simulate: [], sent: [] };
    const finals: Promise<unknown>[] = [];
    let confirmed = 0;
    let exact = 0;
    for (let b = 0; b < o.blocks; b++) {
      await new Promise((r) => setTimeout(r, TRADERS_MS));
      await provider.send("evm_mine", []);
      const head = (await collector.poll())!;
      heads.seen(head.number);
      const [update, v3Update] = await Promise.all([state.onBlock(head), v3?.onBlock(head)]);
      stages.state.push(performance.now() - head.seenAt);
      const v3Changes = v3 ? (v3Update?.changed ?? []).map((address) => ({ address, state: v3.copy(address) })) : [];
      const [best] = scanner.applyBlock(update!.changed, v3Changes);
      stages.scan.push(performance.now() - head.seenAt);
      if (!best) continue;
      const order: Order = {
        opportunityId: randomUUID(),
        mode: "live",
        epoch: 1,
        blockNumber: head.number,
        baseToken: best.baseToken,
        pools: best.pools,
        ...(best.protocols ? { protocols: best.protocols } : {}),
        tokens: best.tokens,
        amountIn: best.amountIn,
        predictedProfit: best.profit,
        minProfit: best.profit,
      };
      // The journal takes no trade without its order's decision record: written here, its time is left out of the
      // stages below (the record is one of the pipeline's hops this path is compared with).
      const recording = performance.now();
      await recordOrders(pool, [order]);
      const recordMs = performance.now() - recording;
      const s = await executor.submit(order, { timestamp: head.timestamp, baseFee: head.baseFee ?? 0n });
      if (s.kind === "sent") {
        stages.sent.push(s.sentAt - head.seenAt - recordMs);
        finals.push(
          s.final.then((r) => {
            if (r.status === "confirmed") confirmed++;
            if (r.status === "confirmed" && r.precededBy === 0 && r.realizedProfit === best.profit) exact++;
          }),
        );
      }
      const timings = s.kind === "sent" ? s.timings : s.kind === "done" ? s.result.timings : null;
      if (timings?.simulatedAt) stages.simulate.push(timings.simulatedAt - head.seenAt - recordMs);
    }
    await provider.send("evm_mine", []);
    heads.seen((await collector.poll())?.number ?? -1);
    await Promise.all(finals);
    provider.destroy();
    return { stages, confirmed, exact };
  } finally {
    await pool.end();
    await db.drop();
    await devnet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
