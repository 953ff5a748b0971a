import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { Command } from "commander";
import { z } from "zod";
import { AuditLedger, SubjectKeyVault } from "../../audit/index.ts";
// The API's modules by file: its index would load the server (fastify and its plugins) for a one-shot command.
import { loadOrCreateKeyFile } from "../../api/config.ts";
import {
  loadKeyMaterial,
  roleSchema,
  ROLES,
  totpUri,
  UserDirectory,
  UserExists,
  MIN_PASSWORD_LENGTH,
} from "../../identity/index.ts";
import { openPool } from "../../api/pg-pool.ts";
import { migrate } from "../../store/migrate.ts";
import { InputError } from "../errors.ts";

const flags = z
  .object({
    email: z.string().email("--email must be an email address"),
    role: roleSchema,
    passwordStdin: z.boolean().default(false),
    json: z.boolean().default(false),
  })
  .strict();

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer | string));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export async function runUsersCreate(
  raw: Record<string, unknown>,
  env = process.env,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<void> {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === "role" ? `--role must be one of ${ROLES.join(", ")}` : issue?.message;
    throw new InputError(`orion users create: ${field ?? "invalid flags"}`);
  }
  const f = parsed.data;
  if (!env.DATABASE_URL) throw new InputError("orion users create: set DATABASE_URL to the control plane's database");
  let password: string;
  let generated = false;
  if (f.passwordStdin) {
    password = await readStdin(stdin);
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new InputError(`--password-stdin: the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
  } else {
    password = randomBytes(18).toString("base64url");
    generated = true;
  }
  const keys = await loadKeyMaterial(await loadOrCreateKeyFile(env));
  const pool = openPool(env.DATABASE_URL, 2);
  try {
    await migrate(pool);
    const vault = new SubjectKeyVault(pool, keys.kek);
    let created;
    try {
      created = await new UserDirectory(pool, vault, keys.pepper).create({
        email: f.email,
        role: f.role,
        password,
        createdBy: `cli:${userInfo().username}`,
      });
    } catch (err) {
      if (err instanceof UserExists) throw new InputError(`--email ${f.email}: a user with that email already exists`);
      throw err;
    }
    await new AuditLedger(pool, vault).append({
      actor: `cli:${userInfo().username}`,
      action: "users.create",
      outcome: "success",
      subject: created.user.id,
      detail: { userId: created.user.id, role: f.role, via: "orion users create" },
    });
    const totpSecret = created.totpSecret as string;
    // The secret is shown this once and never again; a generated password likewise (on stderr, so --json stays exact).
    if (generated) process.stderr.write(`orion: generated password (shown once): ${password}\n`);
    if (f.json) {
      process.stdout.write(
        JSON.stringify({ id: created.user.id, email: f.email.toLowerCase(), role: f.role, totpSecret }) + "\n",
      );
    } else {
      process.stdout.write(
        `created ${f.role} ${f.email.toLowerCase()} (id ${created.user.id})\n` +
          `TOTP secret (shown once; add it to an authenticator app): ${totpSecret}\n` +
          `otpauth URI: ${totpUri(totpSecret, f.email.toLowerCase())}\n`,
      );
    }
  } finally {
    await pool.end();
  }
}

export function configure(users: Command): void {
  users
    .command("create")
    .description("create a user and print its TOTP secret once (bootstraps the first admin)")
    .requiredOption("--email <email>", "the user's email address")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .option("--password-stdin", "read the password from standard input (else one is generated and shown once)")
    .option("--json", 'print {"id","email","role","totpSecret"}')
    .action((opts: Record<string, unknown>) => runUsersCreate(opts));
}
