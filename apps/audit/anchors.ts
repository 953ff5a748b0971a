import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import { z } from "zod";

/**
 * Audit anchors: the chain's head (sequence number and hash), signed and kept outside the database, so rows removed
 * from the end, or a suffix edited and re-hashed, no longer match what was anchored. The signing key is derived
 * from the key-encryption key (which never enters the database), so whoever can write the database cannot forge an
 * anchor for the rewritten chain.
 */
export interface Anchor {
  version: 1;
  seq: number;
  hash: string;
  at: string;
  /** First 16 hex of SHA-256 of the raw public key: which key signed. */
  keyId: string;
  signature: string;
}

const anchorSchema = z
  .object({
    version: z.literal(1),
    seq: z.number().int().positive(),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    at: z.string().datetime(),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    signature: z.string().regex(/^[A-Za-z0-9_-]+$/),
  })
  .strict();

export interface AnchorKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function anchorKey(kek: Buffer): AnchorKey {
  const seed = Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), "alpha-orion audit anchor v1", 32));
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { privateKey, publicKey, keyId: createHash("sha256").update(raw).digest("hex").slice(0, 16) };
}

function signedText(seq: number, hash: string, at: string): Buffer {
  return Buffer.from(`alpha-orion-audit-anchor:v1:${seq}:${hash}:${at}`);
}

export function signAnchor(key: AnchorKey, head: { seq: number; hash: string }, at: Date): Anchor {
  const iso = at.toISOString();
  const signature = sign(null, signedText(head.seq, head.hash, iso), key.privateKey).toString("base64url");
  return { version: 1, seq: head.seq, hash: head.hash, at: iso, keyId: key.keyId, signature };
}

/** Parses an anchor document and checks its signature; throws naming what is wrong. */
export function checkAnchor(key: AnchorKey, raw: unknown): Anchor {
  const parsed = anchorSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join(".") || "anchor"}: ${issue?.message ?? "invalid"}`);
  }
  const a = parsed.data;
  if (a.keyId !== key.keyId) throw new Error(`signed by key ${a.keyId}, not this deployment's ${key.keyId}`);
  if (!verify(null, signedText(a.seq, a.hash, a.at), key.publicKey, Buffer.from(a.signature, "base64url")))
    throw new Error("the signature does not match");
  return a;
}

/** An anchor file that is not a valid anchor signed by this deployment's key: itself a finding for the auditor. */
export class AnchorRejected extends Error {
  override readonly name = "AnchorRejected";
}

/** Where anchors live: a directory locally ($ORION_HOME/anchors), the audit bucket mounted as one in the cloud. */
export class AnchorDirectory {
  constructor(readonly dir: string) {}

  /** Atomic write; the name sorts by sequence number, then time, so the newest anchor is the last name. */
  async write(anchor: Anchor): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = `anchor-${String(anchor.seq).padStart(20, "0")}-${anchor.at.replace(/[-:.]/g, "")}.json`;
    const file = join(this.dir, name);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(anchor) + "\n", { mode: 0o600 });
    await rename(temp, file);
    return file;
  }

  /** Anchor file names, oldest first. */
  async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => /^anchor-\d{20}-\w+\.json$/.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  async read(key: AnchorKey, name: string): Promise<Anchor> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(join(this.dir, name), "utf8"));
    } catch (err) {
      throw new AnchorRejected(`${join(this.dir, name)}: not JSON (${(err as Error).message.split("\n")[0]})`);
    }
    try {
      return checkAnchor(key, raw);
    } catch (err) {
      throw new AnchorRejected(`${join(this.dir, name)}: ${(err as Error).message}`);
    }
  }
}

/** The chain's newest row, or null while the ledger is empty. */
export async function chainHead(pool: pg.Pool): Promise<{ seq: number; hash: string } | null> {
  const { rows } = await pool.query<{ seq: string; hash: string }>(
    "SELECT seq, encode(hash, 'hex') AS hash FROM audit_log ORDER BY seq DESC LIMIT 1",
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}

/** Signs the current head and writes it; null when the ledger is empty (nothing to anchor). */
export async function anchorChain(
  pool: pg.Pool,
  key: AnchorKey,
  dir: AnchorDirectory,
  now: Date,
): Promise<{ anchor: Anchor; file: string } | null> {
  const head = await chainHead(pool);
  if (!head) return null;
  const anchor = signAnchor(key, head, now);
  return { anchor, file: await dir.write(anchor) };
}
