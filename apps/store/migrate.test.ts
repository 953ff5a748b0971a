import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { testDir } from "../../test/support/test-dir.ts";
import { migrate } from "./migrate.ts";

describe("migrate", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it("applies pending files once, in order, even when two runners start together", async () => {
    const dir = await testDir("orion-mig");
    await writeFile(join(dir, "001_a.sql"), "CREATE TABLE a (id int);");
    await writeFile(join(dir, "002_b.sql"), "INSERT INTO a VALUES (1);");
    const [first, second] = await Promise.all([migrate(pool, { dir: dir + "/" }), migrate(pool, { dir: dir + "/" })]);
    expect([...first, ...second].sort()).toEqual([1, 2]);
    expect(await migrate(pool, { dir: dir + "/" })).toEqual([]);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM a");
    expect(rows[0].n).toBe(1);
  });

  it("rolls back a failing file and names it", async () => {
    const dir = await testDir("orion-mig");
    await writeFile(join(dir, "900_bad.sql"), "CREATE TABLE z (id int); SELECT nope FROM nowhere;");
    await expect(migrate(pool, { dir: dir + "/" })).rejects.toThrow(/900_bad/);
    const { rows } = await pool.query("SELECT to_regclass('z') AS t");
    expect(rows[0].t).toBeNull();
  });
});
