import { createHash } from "node:crypto";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, integers only (floats have several spellings).
 * The hash of a ledger row must not depend on how a driver or a JSON library orders keys.
 */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON accepts safe integers only, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as Json)}`).join(",")}}`;
}

/** The fields a ledger row's hash covers, in their stored form. */
export interface ChainedFields {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  subject: string | null;
  detail: string;
  pii: Buffer | null;
  prevHash: Buffer;
}

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** The same fields with the binary ones in their text forms (pii base64, prevHash hex), as verification reads them. */
export interface ChainedText extends Omit<ChainedFields, "pii" | "prevHash"> {
  pii: string | null;
  prevHash: string;
}

/** An audit_log row as the driver returns it from `SELECT *`: the chained fields, its own hash, column types. */
export interface StoredRow extends Omit<ChainedFields, "seq" | "at" | "prevHash"> {
  /** A bigint column: the driver returns it as text. */
  seq: string;
  at: Date;
  prev_hash: Buffer;
  hash: Buffer;
}

/** A stored row in its text form, with its own hash as hex: what the daily export writes, one JSON line per row. */
export function storedRowText(r: StoredRow): ChainedText & { hash: string } {
  return {
    seq: Number(r.seq),
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    subject: r.subject,
    detail: r.detail,
    pii: r.pii?.toString("base64") ?? null,
    prevHash: r.prev_hash.toString("hex"),
    hash: r.hash.toString("hex"),
  };
}

/**
 * The canonical encoding of a row: canonicalJson of its fields, written out in sorted key order directly because
 * `orion audit verify` runs it for every row of the ledger (a test holds it equal to canonicalJson).
 */
export function encodeRowText(row: ChainedText): string {
  if (!Number.isSafeInteger(row.seq)) throw new TypeError(`seq must be a safe integer, got ${row.seq}`);
  const str = JSON.stringify;
  return (
    `{"action":${str(row.action)},"actor":${str(row.actor)},"at":${str(row.at)},"detail":${str(row.detail)},` +
    `"outcome":${str(row.outcome)},"pii":${row.pii === null ? "null" : str(row.pii)},` +
    `"prevHash":${str(row.prevHash)},"seq":${row.seq},"subject":${row.subject === null ? "null" : str(row.subject)}}`
  );
}

export function encodeRow(row: ChainedFields): string {
  return encodeRowText({
    ...row,
    pii: row.pii === null ? null : row.pii.toString("base64"),
    prevHash: row.prevHash.toString("hex"),
  });
}

/** SHA-256 over the canonical encoding of the row, which includes the previous row's hash: the chain. */
export function rowHash(row: ChainedFields): Buffer {
  return createHash("sha256").update(encodeRow(row)).digest();
}

/** rowHash over the text forms, as hex. */
export function rowHashText(row: ChainedText): string {
  return createHash("sha256").update(encodeRowText(row)).digest("hex");
}
