import type pg from "pg";
import type { Fence, LeaseStore } from "../executor/lease.ts";

/**
 * The executor lease in the primary PostgreSQL (migration 020): one row per (chain, signing account). One statement
 * takes or renews it, so two executors racing for an expired lease cannot both win: the row lock orders them and the
 * second sees the first's fresh expiry. Expiry is compared with this database's clock only.
 */
export class PgLeaseStore implements LeaseStore {
  constructor(
    private readonly pool: pg.Pool,
    /** The chain instance, as for the journal (see chainTag). */
    private readonly chain = "",
  ) {}

  async acquire(account: string, holder: string, ttlMs: number): Promise<{ token: bigint } | null> {
    const { rows } = await this.pool.query<{ token: string }>(
      `INSERT INTO executor_leases AS l (chain, account, holder, token, expires_at)
       VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')
       ON CONFLICT (chain, account) DO UPDATE
         SET holder = EXCLUDED.holder,
             -- A new holder starts a new term; the same holder renewing keeps its token.
             token = CASE WHEN l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END,
             expires_at = EXCLUDED.expires_at,
             acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END
         WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
       RETURNING token`,
      [this.chain, account.toLowerCase(), holder, ttlMs],
    );
    const row = rows[0];
    return row ? { token: BigInt(row.token) } : null;
  }

  async release(account: string, fence: Fence): Promise<void> {
    await this.pool.query(
      `UPDATE executor_leases SET expires_at = now()
       WHERE chain = $1 AND account = $2 AND holder = $3 AND token = $4 AND expires_at > now()`,
      [this.chain, account.toLowerCase(), fence.holder, fence.token.toString()],
    );
  }
}
