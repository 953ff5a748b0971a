import { createHash } from "node:crypto";
import type pg from "pg";
import { storedRowText, type StoredRow } from "./canonical.ts";

export interface DayExportManifest {
  day: string;
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The chain hash of the day's last row: anchors the exported file to the live chain. */
  lastHash: string | null;
  /** SHA-256 of every row line of the file, in order. */
  contentSha256: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** True when the UTC day is over, so its rows can no longer change (appends only ever carry the current time). */
export function isClosedDay(day: string, now: Date): boolean {
  return (
    DAY.test(day) &&
    !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) &&
    Date.parse(`${day}T00:00:00Z`) + 86_400_000 <= now.getTime()
  );
}

/**
 * The rows of one closed UTC day as JSON lines, exactly as stored (personal data stays sealed under its subject key,
 * so an erasure shreds the exported copy too), followed by a manifest line. Feeds the daily export to the audit
 * bucket, where object retention keeps it for 7 years.
 */
export async function exportDay(
  pool: pg.Pool,
  day: string,
  write: (line: string) => Promise<void>,
): Promise<DayExportManifest> {
  if (!DAY.test(day)) throw new Error(`day must be YYYY-MM-DD, got ${day}`);
  const from = new Date(`${day}T00:00:00Z`);
  const to = new Date(from.getTime() + 86_400_000);
  const digest = createHash("sha256");
  const manifest: DayExportManifest = {
    day,
    rows: 0,
    firstSeq: null,
    lastSeq: null,
    lastHash: null,
    contentSha256: "",
  };
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<StoredRow>(
      `SELECT * FROM audit_log WHERE at >= $1 AND at < $2 AND seq > $3 ORDER BY seq LIMIT 5000`,
      [from, to, after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const line = JSON.stringify(storedRowText(r)) + "\n";
      digest.update(line);
      await write(line);
      manifest.rows += 1;
      manifest.firstSeq ??= Number(r.seq);
      manifest.lastSeq = Number(r.seq);
      manifest.lastHash = r.hash.toString("hex");
    }
    after = Number(rows[rows.length - 1]?.seq);
  }
  manifest.contentSha256 = digest.digest("hex");
  await write(JSON.stringify({ manifest }) + "\n");
  return manifest;
}
