import { join } from "node:path";
import pg from "pg";
import { writeKeyFile } from "../../api/index.ts";
import { SubjectKeyVault } from "../../audit/index.ts";
import { generateKeyFile, loadKeyMaterial, UserDirectory, type Role } from "../../identity/index.ts";
import { migrate } from "../../store/migrate.ts";

/**
 * What a real `orion dev` needs before someone can sign in to its console: a key file in `dir` (which the session's
 * API is pointed at with ORION_KEYS_FILE) and a user with an enrolled TOTP second factor in the migrated database,
 * as `orion users create` and enrolment would leave them. Returns the key file and the user's TOTP secret.
 */
export async function seedConsoleUser(
  databaseUrl: string,
  dir: string,
  user: { email: string; password: string; role: Role },
): Promise<{ keysFile: string; totpSecret: string }> {
  const keysFile = join(dir, "keys.json");
  const keyFile = await generateKeyFile();
  await writeKeyFile(keysFile, keyFile);
  const keys = await loadKeyMaterial(keyFile);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await migrate(pool);
    const users = new UserDirectory(pool, new SubjectKeyVault(pool, keys.kek), keys.pepper);
    const { user: created, totpSecret } = await users.create({
      email: user.email,
      password: user.password,
      role: user.role,
      createdBy: "cli:test",
    });
    await users.beginTotpEnrolment(created.id, totpSecret as string);
    await users.completeTotpEnrolment(created.id, new Date());
    return { keysFile, totpSecret: totpSecret as string };
  } finally {
    await pool.end();
  }
}
