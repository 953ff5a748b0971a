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

/** SHA-256 over the canonical encoding of the row, which includes the previous row's hash: the chain. */
export function rowHash(row: ChainedFields): Buffer {
  const encoded = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    subject: row.subject,
    detail: row.detail,
    pii: row.pii === null ? null : row.pii.toString("base64"),
    prevHash: row.prevHash.toString("hex"),
  });
  return createHash("sha256").update(encoded).digest();
}
