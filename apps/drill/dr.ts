import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createPgPool } from "../store/db.ts";
import { recordDecisions } from "../store/decisions.ts";
import { AlreadyJournaled } from "../executor/ports.ts";
import { DuplicateTrade, PgTradeJournal } from "../store/journal.ts";
import { migrate } from "../store/migrate.ts";
import { drFigures, type AckedWrite, type DrFigures } from "./figures.ts";
import { LocalPgCluster } from "./pg-cluster.ts";

export interface DrStep {
  readonly name: string;
  readonly ms: number;
  readonly detail: string;
}

export interface DrResult extends DrFigures {
  readonly steps: readonly DrStep[];
  /** Trades acknowledged before the primary died, and after the platform wrote to the promoted replica. */
  readonly tradesBefore: number;
  readonly tradesAfter: number;
}

export interface DrOptions {
  /** Trades the platform commits on the primary before it dies. Default 200. */
  tradesBeforeFailure?: number;
  /** Trades it must commit on the promoted replica to count as flowing again. Default 20. */
  tradesAfterFailover?: number;
  /** Progress lines for people. */
  log?: (line: string) => void;
}

/**
 * The platform's write path as the executor drives it: one trade row per order through the trade journal, each a
 * synchronous commit. When a write fails it reconnects to wherever DATABASE_URL points now (the drill re-points it,
 * as an operator does by updating the bots' configuration) and retries the same trade.
 */
class TradeWriter {
  readonly acked: AckedWrite[] = [];
  private pool: pg.Pool;
  private stopping = false;
  private running: Promise<void> | undefined;
  private nextTrade = 1;
  /** The last write error, named when writes do not resume. */
  private lastError = "";

  constructor(private url: string) {
    this.pool = createPgPool(url, 2);
  }

  repoint(url: string): void {
    this.url = url;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.pool.end().catch(() => undefined);
  }

  /** Resolves once `count` trades are acknowledged after `since` (ms). */
  async committedAfter(since: number, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.filter((w) => w.ackedAt > since).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${count} committed trades (last write error: ${this.lastError})`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const id = randomUUID();
      const n = this.nextTrade;
      const trade = {
        id,
        opportunityId: `dr-drill-${n}-${id}`,
        mode: "sim" as const,
        epoch: 1,
        orderBlock: n,
        baseToken: "0x0000000000000000000000000000000000000001",
        pools: ["0x0000000000000000000000000000000000000002", "0x0000000000000000000000000000000000000003"],
        tokens: ["0x0000000000000000000000000000000000000001", "0x0000000000000000000000000000000000000004"],
        amountIn: 10n ** 18n,
        predictedProfit: 10n ** 15n,
        minProfit: 1n,
      };
      for (;;) {
        if (this.stopping) return;
        try {
          // The order's record as the orchestrator writes it (without waiting for the WAL flush; recorded again,
          // unchanged, on a retry), then the trade row, whose synchronous commit makes both durable.
          await recordDecisions(
            this.pool,
            [
              {
                ...trade,
                id: trade.opportunityId,
                blockNumber: n,
                amountOut: trade.amountIn + trade.predictedProfit,
                profit: trade.predictedProfit,
                decision: "order",
                detectedAt: new Date(),
              },
            ],
            [{ ...trade, opportunityId: trade.opportunityId, blockNumber: n }],
          );
          await new PgTradeJournal(this.pool).recordSimulated({
            ...trade,
            status: "simulated",
            blockNumber: n,
            simulatedProfit: 10n ** 15n,
            gasEstimate: 150_000n,
            reason: null,
          });
          this.acked.push({ id, ackedAt: Date.now() });
          this.nextTrade += 1;
          break;
        } catch (err) {
          if (err instanceof DuplicateTrade || err instanceof AlreadyJournaled) {
            // The commit landed but its acknowledgement died with the connection: the trade is there, as the
            // executor concludes on a retried order. It was never acknowledged, so it counts neither way.
            this.nextTrade += 1;
            break;
          }
          this.lastError = (err as Error).message;
          // The database is gone: drop the pool (without waiting on its dead connections) and try again where
          // DATABASE_URL points now.
          void this.pool.end().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 50));
          this.pool = createPgPool(this.url, 2);
        }
      }
    }
  }
}

/**
 * The DR drill of runbooks/dr-failover.md on real replication: a local primary with a synchronous streaming replica,
 * the platform committing trades on the primary, the primary killed, the replica promoted, the platform re-pointed;
 * RPO is what the promoted replica lacks of what was acknowledged, RTO the time until trades commit again.
 */
export async function runDrDrill(opts: DrOptions = {}): Promise<DrResult> {
  const log = opts.log ?? (() => undefined);
  const before = opts.tradesBeforeFailure ?? 200;
  const after = opts.tradesAfterFailover ?? 20;
  const steps: DrStep[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>, detail: (t: T) => string): Promise<T> => {
    const t0 = performance.now();
    const value = await fn();
    const s = { name, ms: Math.round(performance.now() - t0), detail: detail(value) };
    steps.push(s);
    log(`${s.name} (${s.ms} ms): ${s.detail}`);
    return value;
  };

  const cluster = await step(
    "start primary and synchronous streaming replica",
    () => LocalPgCluster.start(),
    (c) => `primary 127.0.0.1:${c.primary.port}, replica 127.0.0.1:${c.replica.port}`,
  );
  let writer: TradeWriter | undefined;
  try {
    await step(
      "migrate the platform schema on the primary",
      async () => {
        const pool = createPgPool(cluster.primary.url, 1);
        try {
          return await migrate(pool);
        } finally {
          await pool.end();
        }
      },
      (applied) => `${applied.length} migrations`,
    );
    const w = new TradeWriter(cluster.primary.url);
    writer = w;
    w.start();
    await step(
      "platform commits trades on the primary",
      () => w.committedAfter(0, before, 120_000),
      () => `${before} trades acknowledged`,
    );
    // The outage starts when the kill does; every commit acknowledged until the kill returns was made on the primary.
    const failedAt = Date.now();
    await step(
      "kill the primary (immediate, no checkpoint)",
      () => cluster.killPrimary(),
      () => `${w.acked.length} trades acknowledged before it died`,
    );
    const deadAt = Date.now();
    const ackedBefore = w.acked.filter((x) => x.ackedAt <= deadAt);
    await step(
      "promote the replica",
      () => cluster.promoteReplica(),
      () => "accepts writes",
    );
    await step(
      "re-point the platform (DATABASE_URL) at the promoted replica",
      async () => w.repoint(cluster.replica.url),
      () => cluster.replica.url,
    );
    await step(
      "orders flow again",
      () => w.committedAfter(deadAt, after, 120_000),
      () => `${after} trades committed on the new primary`,
    );
    const recoveredAt = w.acked.find((x) => x.ackedAt > deadAt)?.ackedAt;
    await w.stop();
    writer = undefined;

    const survivors = await step(
      "count acknowledged trades on the new primary",
      async () => {
        const pool = createPgPool(cluster.replica.url, 1);
        try {
          const { rows } = await pool.query<{ id: string }>("SELECT id FROM trades WHERE id = ANY($1::uuid[])", [
            ackedBefore.map((x) => x.id),
          ]);
          return new Set(rows.map((r) => r.id));
        } finally {
          await pool.end();
        }
      },
      (s) => `${s.size} of ${ackedBefore.length}`,
    );
    const figures = drFigures({ acked: ackedBefore, survivors, killedAt: failedAt, recoveredAt });
    return {
      ...figures,
      steps,
      tradesBefore: ackedBefore.length,
      tradesAfter: w.acked.length - ackedBefore.length,
    };
  } finally {
    await writer?.stop();
    await cluster.destroy();
  }
}
