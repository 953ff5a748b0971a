import pg from "pg";

/**
 * A pool that fails fast when PostgreSQL is away, so callers learn within seconds that they must stop placing orders
 * rather than hang on a socket. Idle-client errors (a server restart) are expected and must not crash the process.
 */
export function createPgPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 2_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", () => undefined);
  return pool;
}

/** numeric(78,0) columns arrive as strings; amounts never pass through a float. */
export function toBig(v: string | null): bigint | null {
  return v === null ? null : BigInt(v);
}

export function fromBig(v: bigint | null): string | null {
  return v === null ? null : v.toString();
}
