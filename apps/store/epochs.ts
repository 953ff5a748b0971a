import type pg from "pg";

/**
 * The epoch after every one recorded so far. A single-process run (in-memory control store) starts here, so a new
 * session never adds its figures to an earlier session's epoch.
 */
export async function nextEpoch(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT greatest(
       (SELECT coalesce(max(epoch), 0) FROM opportunities),
       (SELECT coalesce(max(epoch), 0) FROM trades))::int + 1 AS n`,
  );
  return rows[0]?.n ?? 1;
}

/** Identity of a chain instance for nonce bookkeeping: a fresh devnet reuses chain id and accounts, not genesis. */
export function chainTag(chainId: number, genesisHash: string): string {
  return `${chainId}:${genesisHash.toLowerCase()}`;
}
