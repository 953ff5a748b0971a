import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type pg from "pg";

const IV = 12;
const TAG = 16;

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV)).setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
  return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
}

/**
 * Per-subject data keys for GDPR crypto-shredding. Each key is stored wrapped by the key-encryption key (KEK), so a
 * database copy alone reveals nothing; erasure deletes the wrapped key and every ciphertext of that subject, in the
 * immutable ledger included, becomes noise while the rows (and the hash chain) stay intact.
 */
export class SubjectKeyVault {
  constructor(
    private readonly pool: pg.Pool,
    private readonly kek: Buffer,
  ) {
    if (kek.length !== 32) throw new Error("the subject-key KEK must be 32 bytes");
  }

  /** Encrypts for a subject, creating its key on first use; null once the subject has been erased. */
  async encrypt(subject: string, plaintext: string): Promise<Buffer | null> {
    const key = await this.keyFor(subject, true);
    return key === null ? null : seal(key, Buffer.from(plaintext, "utf8"), subject);
  }

  /** Null when the subject's key has been destroyed (or never existed). */
  async decrypt(subject: string, sealed: Buffer): Promise<string | null> {
    const key = await this.keyFor(subject, false);
    return key === null ? null : open(key, sealed, subject).toString("utf8");
  }

  async isErased(subject: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM subject_erasures WHERE subject = $1", [subject]);
    return (rowCount ?? 0) > 0;
  }

  /** Destroys the subject's key; returns whether one existed. Irreversible by design. */
  async destroy(subject: string, at: Date): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rowCount } = await client.query("DELETE FROM subject_keys WHERE subject = $1", [subject]);
      await client.query(
        "INSERT INTO subject_erasures (subject, erased_at) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING",
        [subject, at],
      );
      await client.query("COMMIT");
      return (rowCount ?? 0) > 0;
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    } finally {
      client.release();
    }
  }

  private async keyFor(subject: string, create: boolean): Promise<Buffer | null> {
    if (create) {
      if (await this.isErased(subject)) return null;
      const fresh = seal(this.kek, randomBytes(32), subject);
      await this.pool.query(
        "INSERT INTO subject_keys (subject, wrapped_key) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING",
        [subject, fresh],
      );
    }
    const { rows } = await this.pool.query<{ wrapped_key: Buffer }>(
      "SELECT wrapped_key FROM subject_keys WHERE subject = $1",
      [subject],
    );
    const wrapped = rows[0]?.wrapped_key;
    return wrapped === undefined ? null : open(this.kek, wrapped, subject);
  }
}
