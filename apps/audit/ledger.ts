import type pg from "pg";
import { canonicalJson, GENESIS_HASH, rowHash, rowHashText, type Json, type StoredRow } from "./canonical.ts";
import type { SubjectKeyVault } from "./subject-keys.ts";

export type Outcome = "success" | "denied" | "failure";

export interface AuditEvent {
  /** Who acted: a user id, "anonymous", or a service name. Never an email: ledger rows cannot be erased. */
  actor: string;
  action: string;
  outcome: Outcome;
  /** The data subject the row is about (a user id), for GDPR access and erasure. */
  subject?: string | null;
  detail?: { [key: string]: Json };
  /** Personal data (email tried, client IP): stored encrypted under the subject's key, shredded on erasure. */
  pii?: { [key: string]: string };
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: Outcome;
  subject: string | null;
  detail: { [key: string]: Json };
  /** Decrypted personal data; null when there was none or the subject was erased. */
  pii: { [key: string]: string } | null;
  hash: string;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  actor?: string;
  action?: string;
  outcome?: Outcome;
  subject?: string;
  /** Rows with seq greater than this (keyset pagination). */
  after?: number;
  limit: number;
}

export type VerifyResult =
  { ok: true; rows: number; head: string } | { ok: false; rows: number; firstBroken: { seq: number; reason: string } };

interface Pending {
  event: AuditEvent;
  at: Date;
  resolve: (r: { seq: number; hash: string }) => void;
  reject: (e: unknown) => void;
}

// Arbitrary constant naming "the audit chain head" among advisory locks; every writer in every process takes it.
const CHAIN_LOCK = 7_201_944_600;
const MAX_BATCH = 500;
/** Appends waiting for the database beyond which summarisable noise is refused (see offer). */
export const DEFAULT_MAX_QUEUE = 10_000;

/**
 * The append-only, hash-chained audit ledger. Appends from one process are grouped into one transaction (group
 * commit) and every transaction takes an advisory lock before reading the chain head, so concurrent writers in any
 * number of processes extend one gap-free chain.
 *
 * The queue of appends waiting for the database is bounded for noise only: `append` (a security event) is always
 * queued and its caller waits for the row, so a slow database slows the requests that raise security events but never
 * loses one; `offer` (noise the caller can summarise) is refused once `maxQueue` appends are waiting, and the caller
 * counts it into a summary row instead.
 */
export class AuditLedger {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly vault: SubjectKeyVault,
    private readonly clock: () => Date = () => new Date(),
    private readonly maxQueue = DEFAULT_MAX_QUEUE,
  ) {}

  /** Appends waiting for the database (not counting the batch being written). */
  get queued(): number {
    return this.queue.length;
  }

  append(event: AuditEvent): Promise<{ seq: number; hash: string }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, at: this.clock(), resolve, reject });
      if (this.flushing === null) this.flushing = this.drain();
    });
  }

  /** Appends unless the queue is full; null means refused (nothing was queued). */
  offer(event: AuditEvent): Promise<{ seq: number; hash: string }> | null {
    return this.queue.length >= this.maxQueue ? null : this.append(event);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const results = await this.write(batch);
          batch.forEach((p, i) => p.resolve(results[i] as { seq: number; hash: string }));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async write(batch: Pending[]): Promise<{ seq: number; hash: string }[]> {
    // Encrypt before taking the lock: key lookups must not lengthen the serialized section.
    const sealed = await Promise.all(
      batch.map(({ event }) =>
        event.pii !== undefined && event.subject
          ? this.vault.encrypt(event.subject, JSON.stringify(event.pii))
          : Promise.resolve(null),
      ),
    );
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK]);
      const head = await client.query<{ seq: string; hash: Buffer }>(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
      );
      let seq = Number(head.rows[0]?.seq ?? 0);
      let prevHash: Buffer = head.rows[0]?.hash ?? GENESIS_HASH;
      const values: unknown[] = [];
      const tuples: string[] = [];
      const results: { seq: number; hash: string }[] = [];
      batch.forEach(({ event, at }, i) => {
        seq += 1;
        const row = {
          seq,
          at: at.toISOString(),
          actor: event.actor,
          action: event.action,
          outcome: event.outcome,
          subject: event.subject ?? null,
          detail: canonicalJson(event.detail ?? {}),
          pii: sealed[i] ?? null,
          prevHash,
        };
        const hash = rowHash(row);
        const b = values.length;
        tuples.push(
          `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9},$${b + 10})`,
        );
        values.push(
          row.seq,
          row.at,
          row.actor,
          row.action,
          row.outcome,
          row.subject,
          row.detail,
          row.pii,
          prevHash,
          hash,
        );
        results.push({ seq, hash: hash.toString("hex") });
        prevHash = hash;
      });
      await client.query(
        `INSERT INTO audit_log (seq, at, actor, action, outcome, subject, detail, pii, prev_hash, hash) VALUES ${tuples.join(",")}`,
        values,
      );
      await client.query("COMMIT");
      return results;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Rows matching the filter in chain order, with personal data decrypted where the subject's key still exists. */
  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (filter.from) add("at >= ?", filter.from);
    if (filter.to) add("at < ?", filter.to);
    if (filter.actor !== undefined) add("actor = ?", filter.actor);
    if (filter.action !== undefined) add("action = ?", filter.action);
    if (filter.outcome !== undefined) add("outcome = ?", filter.outcome);
    if (filter.subject !== undefined) add("subject = ?", filter.subject);
    if (filter.after !== undefined) add("seq > ?", filter.after);
    params.push(filter.limit);
    const { rows } = await this.pool.query<StoredRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return Promise.all(rows.map((r) => this.toRecord(r)));
  }

  private async toRecord(r: StoredRow): Promise<AuditRecord> {
    let pii: AuditRecord["pii"] = null;
    if (r.pii !== null && r.subject !== null) {
      const clear = await this.vault.decrypt(r.subject, r.pii);
      pii = clear === null ? null : (JSON.parse(clear) as { [key: string]: string });
    }
    return {
      seq: Number(r.seq),
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      outcome: r.outcome as Outcome,
      subject: r.subject,
      detail: JSON.parse(r.detail) as { [key: string]: Json },
      pii,
      hash: r.hash.toString("hex"),
    };
  }
}

/**
 * Walks the whole chain in seq order, batch by batch (keyset pagination, so memory stays flat), recomputing every
 * hash. Reports the first row whose seq, link or hash does not match.
 */
export async function verifyChain(pool: pg.Pool, batchSize = 20_000): Promise<VerifyResult> {
  // Binary columns travel as hex/base64 text and the time as epoch milliseconds: decoding bytea in the driver costs
  // more than the hashing itself.
  const fetch = (fromSeq: number) =>
    pool.query<{
      seq: string;
      ms: string;
      actor: string;
      action: string;
      outcome: string;
      subject: string | null;
      detail: string;
      pii: string | null;
      prev_hash: string;
      hash: string;
    }>(
      `SELECT seq, (extract(epoch from at) * 1000)::bigint::text AS ms, actor, action, outcome, subject, detail,
              encode(pii, 'base64') AS pii, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
         FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [fromSeq, batchSize],
    );
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH.toString("hex");
  let rows = 0;
  let next = fetch(1);
  for (;;) {
    const { rows: batch } = await next;
    if (batch.length === 0) return { ok: true, rows, head: prevHash };
    // Fetch the next batch while this one is hashed.
    next = fetch(Number(batch[batch.length - 1]?.seq) + 1);
    next.catch(() => undefined);
    for (const r of batch) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) return { ok: false, rows, firstBroken: { seq: expectedSeq, reason: "row missing" } };
      if (r.prev_hash !== prevHash)
        return { ok: false, rows, firstBroken: { seq, reason: "prev_hash does not match the previous row's hash" } };
      const recomputed = rowHashText({
        seq,
        at: new Date(Number(r.ms)).toISOString(),
        actor: r.actor,
        action: r.action,
        outcome: r.outcome,
        subject: r.subject,
        detail: r.detail,
        // encode(…, 'base64') wraps lines every 76 characters; Buffer's base64 does not.
        pii: r.pii === null ? null : r.pii.replace(/\n/g, ""),
        prevHash,
      });
      if (recomputed !== r.hash)
        return { ok: false, rows, firstBroken: { seq, reason: "row contents do not match its hash" } };
      prevHash = r.hash;
      expectedSeq += 1;
      rows += 1;
    }
  }
}
