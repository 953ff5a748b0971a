import type { Pool, Token } from "../core/index.ts";
import { MAX_RESERVE, normalizeAddress } from "../core/index.ts";
import type { ZodIssue } from "zod";
import { SnapshotError } from "./snapshot-error.ts";
import { snapshotSchema } from "./snapshot-schema.ts";
import type { V3Pool } from "./v3-pool-entry.ts";
import { v3PoolFromEntry } from "./v3-pool-entry.ts";

export { SnapshotError };

/** A validated snapshot with lowercase addresses, exact reserves, and the pools that can trade. */
export interface Snapshot {
  chainId: number;
  blockNumber: number;
  tokens: Token[];
  baseTokens: string[];
  /** Uniswap-V2 pools with both reserves non-zero, in file order. */
  pools: Pool[];
  /** Uniswap-V3 pools (protocol "uniswap-v3"), in file order. */
  v3Pools: V3Pool[];
  /** One line per pool left out (a zero reserve cannot quote). */
  warnings: string[];
}

/** Parses and validates snapshot text; throws SnapshotError on the first problem. */
export function parseSnapshot(text: string): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`not valid JSON: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) throw new SnapshotError(describeIssue(parsed.error.issues[0]!, json));
  const raw = parsed.data;

  const tokens: Token[] = [];
  const tokenAt = new Map<string, number>();
  raw.tokens.forEach((t, i) => {
    const address = normalizeAddress(t.address);
    const first = tokenAt.get(address);
    if (first !== undefined)
      throw new SnapshotError(`tokens[${i}].address: duplicate token ${address} (also tokens[${first}])`);
    tokenAt.set(address, i);
    tokens.push({ address, symbol: t.symbol, decimals: t.decimals });
  });

  const baseTokens = raw.baseTokens.map((a, i) => {
    const address = normalizeAddress(a);
    if (!tokenAt.has(address)) throw new SnapshotError(`baseTokens[${i}]: unknown token ${address} (not in tokens)`);
    if (raw.baseTokens.slice(0, i).some((b) => normalizeAddress(b) === address)) {
      throw new SnapshotError(`baseTokens[${i}]: duplicate base token ${address}`);
    }
    return address;
  });

  const pools: Pool[] = [];
  const v3Pools: V3Pool[] = [];
  const warnings: string[] = [];
  const poolAt = new Map<string, number>();
  raw.pools.forEach((p, i) => {
    const address = normalizeAddress(p.address);
    const first = poolAt.get(address);
    if (first !== undefined) {
      throw new SnapshotError(`pools[${i}].address: duplicate pool address ${address} (also pools[${first}])`);
    }
    poolAt.set(address, i);
    const token0 = normalizeAddress(p.token0);
    const token1 = normalizeAddress(p.token1);
    for (const [field, token] of [
      ["token0", token0],
      ["token1", token1],
    ] as const) {
      if (!tokenAt.has(token)) throw new SnapshotError(`pools[${i}].${field}: unknown token ${token} (not in tokens)`);
    }
    if (token0 === token1) throw new SnapshotError(`pools[${i}].token1: same token as token0 (${token0})`);
    if (p.protocol === "uniswap-v3") {
      v3Pools.push(v3PoolFromEntry(p, { address, token0, token1 }, `pools[${i}]`));
      return;
    }
    const reserve0 = BigInt(p.reserve0);
    const reserve1 = BigInt(p.reserve1);
    for (const [field, reserve] of [
      ["reserve0", reserve0],
      ["reserve1", reserve1],
    ] as const) {
      if (reserve > MAX_RESERVE) {
        throw new SnapshotError(`pools[${i}].${field}: ${reserve} exceeds 2^112, the Uniswap-V2 reserve maximum`);
      }
    }
    if (reserve0 === 0n || reserve1 === 0n) {
      warnings.push(`pools[${i}] (${address}) has a zero reserve; skipped`);
      return;
    }
    pools.push({ address, dex: p.dex, token0, token1, reserve0, reserve1, feeBps: p.feeBps });
  });

  return { chainId: raw.chainId, blockNumber: raw.blockNumber, tokens, baseTokens, pools, v3Pools, warnings };
}

/** `pools[3].reserve0: must be ..., got "-5"`: the path as a user would write it, the rule, and what was there. */
function describeIssue(issue: ZodIssue, input: unknown): string {
  const path = issue.path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? key : `${acc}.${key}`),
    "",
  );
  const where = path === "" ? "snapshot" : path;
  if (issue.code === "invalid_type") {
    if (issue.received === "undefined") return `${where}: required field is missing`;
    return `${where}: expected ${issue.expected}, got ${issue.received}`;
  }
  const value = issue.path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    input,
  );
  const shown = value === undefined ? "" : `, got ${oneLine(JSON.stringify(value) ?? String(value)).slice(0, 80)}`;
  return `${where}: ${oneLine(issue.message)}${shown}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
