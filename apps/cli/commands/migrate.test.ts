import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { InputError } from "../errors.ts";
import { runMigrate } from "./migrate.ts";

const ORION = fileURLToPath(new URL("../../../bin/orion.mjs", import.meta.url));
const role = `orion-api-${randomBytes(4).toString("hex")}@proj.iam`;
let db: TestDatabase;

/** `orion migrate` as the migrate job runs it: the environment its only configuration. */
function orionMigrate(env: Record<string, string>, ...flags: string[]) {
  const r = spawnSync(process.execPath, [ORION, "migrate", ...flags], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  db = await createTestDatabase("orion_migrate_cmd");
  await adminQuery(`CREATE ROLE "${role}" LOGIN`);
});
afterAll(async () => {
  await db.drop();
  await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
});

describe("orion migrate", () => {
  it("names the variable at fault, before connecting", async () => {
    const fail = (env: NodeJS.ProcessEnv) => runMigrate(env, () => undefined);
    await expect(fail({ DATABASE_URL: db.url, ORION_APP_ROLES: 'x"y' })).rejects.toThrow(
      new InputError('migrate: ORION_APP_ROLES "x"y" is not a login role name (letters, digits, _ . @ -, at most 63)'),
    );
    await expect(fail({})).rejects.toThrow(/^migrate: DATABASE_INSTANCE is not set/);
    await expect(
      fail({ DATABASE_INSTANCE: "my-project:us-central1:orion", DATABASE_IAM_AUTH: "true" }),
    ).rejects.toThrow(/^migrate: DATABASE_USER is not set/);
  });

  it("exits 0 printing each migration and grant, 2 on a bad variable, 1 when the database refuses", () => {
    const behind = orionMigrate({ DATABASE_URL: db.url }, "--check");
    expect(behind.code).toBe(1);
    expect(behind.stderr).toMatch(/^orion: schema at 0, expected \d+: the migrate job has not run\n$/);

    const ok = orionMigrate({ DATABASE_URL: db.url, ORION_APP_ROLES: ` ${role} ,` });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trim().split("\n");
    expect(lines[0]).toBe("orion migrate: applied 001_trading");
    expect(lines).toContain("orion migrate: applied 103_app_role");
    expect(lines.at(-2)).toBe(`orion migrate: granted orion_app to ${role}`);
    expect(lines.at(-1)).toMatch(/^orion migrate: schema at \d+: \d+ migration\(s\) applied, 1 role\(s\) members/);

    const again = orionMigrate({ DATABASE_URL: db.url, ORION_APP_ROLES: role });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("applied 0");
    expect(again.stdout).toContain(`granted orion_app to ${role}`);

    const current = orionMigrate({ DATABASE_URL: db.url }, "--check");
    expect(current.code).toBe(0);
    expect(current.stdout).toMatch(/^orion migrate: schema at \d+: current\n$/);

    const bad = orionMigrate({ DATABASE_URL: db.url, ORION_APP_ROLES: "orion_app" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('orion: migrate: ORION_APP_ROLES "orion_app" cannot be made a member of orion_app\n');

    const refused = orionMigrate({ DATABASE_URL: db.url, ORION_APP_ROLES: "nobody-here@proj.iam" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^orion: cannot grant orion_app: no login role "nobody-here@proj.iam"/);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  });
});
