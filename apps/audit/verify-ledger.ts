import type pg from "pg";
import { AnchorRejected, type AnchorDirectory, type AnchorKey } from "./anchors.ts";
import { verifyChain } from "./ledger.ts";
import { verifyAnchoredChain, type AnchoredVerifyResult } from "./verify-anchored.ts";

/**
 * What `orion audit verify` and GET /compliance/audit/verify report: the chain walk and, where anchors are kept,
 * the check against the newest signed anchor. A forged or damaged anchor file is a finding (`anchorRejected`), not
 * an error, so both callers show it instead of failing.
 */
export type LedgerVerification = { elapsedMs: number; checkedAt: string } & (
  (AnchoredVerifyResult & { anchorRejected: null }) | { ok: false; rows: number; anchor: null; anchorRejected: string }
);

/** Where the anchors are and the key that signed them; null when this deployment keeps none (the walk alone runs). */
export type AnchorSource = { key: AnchorKey; dir: AnchorDirectory } | null;

export async function verifyLedger(
  pool: pg.Pool,
  anchors: AnchorSource,
  now = new Date(),
): Promise<LedgerVerification> {
  const started = performance.now();
  const timed = <T extends object>(r: T) => ({
    ...r,
    elapsedMs: Math.round(performance.now() - started),
    checkedAt: now.toISOString(),
  });
  if (anchors === null) return timed({ ...(await verifyChain(pool)), anchor: null, anchorRejected: null });
  try {
    return timed({ ...(await verifyAnchoredChain(pool, anchors.key, anchors.dir)), anchorRejected: null });
  } catch (err) {
    if (!(err instanceof AnchorRejected)) throw err;
    return timed({ ok: false as const, rows: 0, anchor: null, anchorRejected: err.message });
  }
}
