import type pg from "pg";
import type { AnchorDirectory, AnchorKey } from "./anchors.ts";
import { verifyChain, type VerifyResult } from "./ledger.ts";

export type AnchoredVerifyResult = VerifyResult & {
  /** The newest anchor the chain was checked against (null when there is none yet). */
  anchor: { seq: number; at: string } | null;
};

async function hashAt(pool: pg.Pool, seq: number): Promise<string | null> {
  const { rows } = await pool.query<{ hash: string }>(
    "SELECT encode(hash, 'hex') AS hash FROM audit_log WHERE seq = $1",
    [seq],
  );
  return rows[0]?.hash ?? null;
}

/**
 * The chain walk (every row's link and hash), then the chain against the newest anchor: a chain shorter than the
 * anchor lost its tail (the first missing row is named); a row whose hash differs from its anchor was rewritten
 * with everything after it re-hashed. Older anchors narrow that down: the first row that differs is named as the
 * oldest anchored row that no longer matches, after the newest one that still does.
 */
export async function verifyAnchoredChain(
  pool: pg.Pool,
  key: AnchorKey,
  anchors: AnchorDirectory,
): Promise<AnchoredVerifyResult> {
  const names = await anchors.names();
  const newestName = names.at(-1);
  // Read the newest anchor before walking, so rows appended during the walk are not mistaken for anything.
  const newest = newestName === undefined ? null : await anchors.read(key, newestName);
  const walked = await verifyChain(pool);
  const anchor = newest && { seq: newest.seq, at: newest.at };
  if (!walked.ok || newest === null) return { ...walked, anchor };
  if (walked.rows < newest.seq) {
    return {
      ok: false,
      rows: walked.rows,
      anchor,
      firstBroken: {
        seq: walked.rows + 1,
        reason: `row missing: the anchor of ${newest.at} covers ${newest.seq} rows, the chain ends at row ${walked.rows}`,
      },
    };
  }
  if ((await hashAt(pool, newest.seq)) === newest.hash) return { ...walked, anchor };
  let firstDiffering = newest;
  let lastMatching = 0;
  for (let i = names.length - 2; i >= 0; i--) {
    const older = await anchors.read(key, names[i] as string);
    if ((await hashAt(pool, older.seq)) === older.hash) {
      lastMatching = older.seq;
      break;
    }
    firstDiffering = older;
  }
  return {
    ok: false,
    rows: lastMatching,
    anchor,
    firstBroken: {
      seq: firstDiffering.seq,
      reason:
        `row differs from its anchor of ${firstDiffering.at}: the chain was rewritten after row ${lastMatching} ` +
        "and re-hashed",
    },
  };
}
