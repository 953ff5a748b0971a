import { createHmac, randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import type { SubjectKeyVault } from "../audit/index.ts";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./passwords.ts";
import { requiresMfa, roleSchema, type Role } from "./roles.ts";
import { generateTotpSecret } from "./totp.ts";

export const emailSchema = z
  .string()
  .max(254)
  .email()
  .transform((e) => e.toLowerCase());
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(256);

export interface User {
  id: string;
  role: Role;
  /** Null once erased (GDPR) or when the key is gone. */
  email: string | null;
  passwordHash: string | null;
  totpSecret: string | null;
  externalSubject: string | null;
  createdAt: string;
  disabled: boolean;
  erased: boolean;
  /** Who created the account: a user id, "cli:<name>", or "oidc" for accounts the identity provider made. */
  createdBy: string | null;
  /** Who asked for the current privileged role (the grant's requester). */
  grantedBy: string | null;
  /** The account replaced its initial TOTP secret with one it enrolled itself. */
  totpEnrolled: boolean;
}

interface UserRow {
  id: string;
  role: string;
  email_enc: Buffer | null;
  password_hash: string | null;
  totp_enc: Buffer | null;
  external_subject: string | null;
  created_at: Date;
  disabled_at: Date | null;
  erased_at: Date | null;
  created_by: string | null;
  granted_by: string | null;
  totp_enrolled_at: Date | null;
}

// Arbitrary constant naming "disabling an account" among advisory locks.
const DISABLE_LOCK = 7_201_944_601;

export class UserExists extends Error {
  override readonly name = "UserExists";
}

/**
 * Users in PostgreSQL. Email and TOTP secret are personal data, sealed with the user's own subject key; the user id
 * (a random UUID) is the pseudonym everything else (ledger, trades, mode requests) refers to.
 */
export class UserDirectory {
  constructor(
    private readonly pool: pg.Pool,
    private readonly vault: SubjectKeyVault,
    private readonly pepper: Buffer,
  ) {}

  /** Keyed blind index of an email: lookups without storing the address in clear. */
  emailIndex(email: string): Buffer {
    return createHmac("sha256", this.pepper).update(email.toLowerCase()).digest();
  }

  async create(input: {
    email: string;
    role: Role;
    password?: string | null;
    externalSubject?: string | null;
    createdBy?: string | null;
  }): Promise<{ user: User; totpSecret: string | null }> {
    const email = emailSchema.parse(input.email);
    const role = roleSchema.parse(input.role);
    const password = input.password == null ? null : passwordSchema.parse(input.password);
    const id = randomUUID();
    // Local accounts always get a TOTP secret at creation (required for MFA roles, available to the others).
    const totpSecret = input.externalSubject ? null : generateTotpSecret();
    const emailEnc = await this.vault.encrypt(id, email);
    const totpEnc = totpSecret === null ? null : await this.vault.encrypt(id, totpSecret);
    try {
      await this.pool.query(
        `INSERT INTO users (id, email_index, email_enc, role, password_hash, totp_enc, external_subject, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          this.emailIndex(email),
          emailEnc,
          role,
          password === null ? null : await hashPassword(password),
          totpEnc,
          input.externalSubject ?? null,
          input.createdBy ?? null,
        ],
      );
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new UserExists(`a user with that email already exists`);
      throw err;
    }
    return { user: (await this.findById(id)) as User, totpSecret };
  }

  async findByEmail(email: string): Promise<User | null> {
    const { rows } = await this.pool.query<UserRow>("SELECT * FROM users WHERE email_index = $1", [
      this.emailIndex(email),
    ]);
    return rows[0] ? this.toUser(rows[0]) : null;
  }

  async findById(id: string): Promise<User | null> {
    if (!z.string().uuid().safeParse(id).success) return null;
    const { rows } = await this.pool.query<UserRow>("SELECT * FROM users WHERE id = $1", [id]);
    return rows[0] ? this.toUser(rows[0]) : null;
  }

  async findByExternalSubject(externalSubject: string): Promise<User | null> {
    const { rows } = await this.pool.query<UserRow>("SELECT * FROM users WHERE external_subject = $1", [
      externalSubject,
    ]);
    return rows[0] ? this.toUser(rows[0]) : null;
  }

  /** Sets the role; grantedBy names who asked for it when it is privileged (null for demotions and the IdP). */
  async setRole(id: string, role: Role, grantedBy: string | null = null): Promise<void> {
    await this.pool.query("UPDATE users SET role = $2, granted_by = $3 WHERE id = $1", [id, role, grantedBy]);
  }

  /** Starts enrolling a new second factor; the current one stays valid until a code of the new one confirms it. */
  async beginTotpEnrolment(id: string, secret: string): Promise<void> {
    const sealed = await this.vault.encrypt(id, secret);
    if (sealed === null) throw new Error("subject has been erased");
    await this.pool.query("UPDATE users SET totp_pending_enc = $2 WHERE id = $1", [id, sealed]);
  }

  async pendingTotpSecret(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ totp_pending_enc: Buffer | null }>(
      "SELECT totp_pending_enc FROM users WHERE id = $1",
      [id],
    );
    const sealed = rows[0]?.totp_pending_enc;
    return sealed ? this.vault.decrypt(id, sealed) : null;
  }

  /** The pending secret becomes the account's only second factor. */
  async completeTotpEnrolment(id: string, at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE users SET totp_enc = totp_pending_enc, totp_pending_enc = NULL, totp_enrolled_at = $2
        WHERE id = $1 AND totp_pending_enc IS NOT NULL`,
      [id, at],
    );
  }

  async countByRole(role: Role): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM users WHERE role = $1 AND erased_at IS NULL",
      [role],
    );
    return rows[0]?.n ?? 0;
  }

  /** Accounts in creation order, a page at a time (keyset on creation time and id), erased ones included. */
  async list(page: { after?: string; limit: number }): Promise<User[]> {
    const { rows } = await this.pool.query<UserRow>(
      `SELECT * FROM users
        WHERE $1::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM users WHERE id = $1::uuid)
        ORDER BY created_at, id LIMIT $2`,
      [page.after ?? null, page.limit],
    );
    return Promise.all(rows.map((r) => this.toUser(r)));
  }

  /**
   * Disables an account (it can no longer log in, refresh or approve). The last active admin is never disabled, so
   * the platform always keeps someone who can manage it. Disables take one transaction lock, so two admins
   * disabling each other at once run one after the other and the second is refused.
   */
  async disable(id: string, at: Date): Promise<"disabled" | "not-found" | "already-disabled" | "last-admin"> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [DISABLE_LOCK]);
      const target = await client.query<{ role: string; disabled: boolean }>(
        "SELECT role, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1",
        [id],
      );
      const row = target.rows[0];
      let outcome: "disabled" | "not-found" | "already-disabled" | "last-admin" = "disabled";
      if (!row) outcome = "not-found";
      else if (row.disabled) outcome = "already-disabled";
      else if (row.role === "admin") {
        const admins = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND erased_at IS NULL",
        );
        if ((admins.rows[0]?.n ?? 0) <= 1) outcome = "last-admin";
      }
      if (outcome === "disabled") await client.query("UPDATE users SET disabled_at = $2 WHERE id = $1", [id, at]);
      await client.query("COMMIT");
      return outcome;
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    } finally {
      client.release();
    }
  }

  /** GDPR rectification of the email: re-sealed under the same subject key. */
  async rectifyEmail(id: string, email: string): Promise<void> {
    const clean = emailSchema.parse(email);
    const sealed = await this.vault.encrypt(id, clean);
    if (sealed === null) throw new Error("subject has been erased");
    await this.pool.query("UPDATE users SET email_index = $2, email_enc = $3 WHERE id = $1", [
      id,
      this.emailIndex(clean),
      sealed,
    ]);
  }

  /**
   * GDPR erasure: the account is disabled, the blind index and credentials removed, and the subject key destroyed,
   * which shreds every sealed copy of the user's personal data (ledger rows included). The id stays as pseudonym.
   */
  async erase(id: string, at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE users SET email_index = NULL, email_enc = NULL, password_hash = NULL, totp_enc = NULL, totp_pending_enc = NULL,
              external_subject = NULL, disabled_at = coalesce(disabled_at, $2), erased_at = $2 WHERE id = $1`,
      [id, at],
    );
    await this.vault.destroy(id, at);
  }

  private async toUser(r: UserRow): Promise<User> {
    return {
      id: r.id,
      role: roleSchema.parse(r.role),
      email: r.email_enc ? await this.vault.decrypt(r.id, r.email_enc) : null,
      passwordHash: r.password_hash,
      totpSecret: r.totp_enc ? await this.vault.decrypt(r.id, r.totp_enc) : null,
      externalSubject: r.external_subject,
      createdAt: r.created_at.toISOString(),
      disabled: r.disabled_at !== null,
      erased: r.erased_at !== null,
      createdBy: r.created_by,
      grantedBy: r.granted_by,
      totpEnrolled: r.totp_enrolled_at !== null,
    };
  }
}

/** Whether this user must present a TOTP code to log in. */
export function mustUseTotp(user: User): boolean {
  return requiresMfa(user.role) || user.totpSecret !== null;
}
