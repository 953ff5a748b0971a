import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Connector } from "@google-cloud/cloud-sql-connector";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/support/postgres.ts";
import type { TestDatabase } from "../../test/support/postgres.ts";
import { EnvError } from "./env-error.ts";
import { checkDatabase, databasePlan, openDatabases } from "./postgres.ts";
import type { DatabaseEnv } from "./postgres.ts";

let primary: TestDatabase;
let replica: TestDatabase;
beforeAll(async () => {
  primary = await createTestDatabase("orion_conn_w");
  replica = await createTestDatabase("orion_conn_r");
});
afterAll(async () => {
  await primary?.drop();
  await replica?.drop();
});

describe("openDatabases against a real PostgreSQL", () => {
  it("DATABASE_URL alone: writes and reads reach one database; the read pool refuses to write", async () => {
    const dbs = await openDatabases(databasePlan({ DATABASE_URL: primary.url }), { max: 2 });
    try {
      await dbs.write.query("CREATE TABLE notes (body text)");
      await dbs.write.query("INSERT INTO notes VALUES ('written on the primary')");
      const { rows } = await dbs.read.query<{ body: string }>("SELECT body FROM notes");
      expect(rows).toEqual([{ body: "written on the primary" }]);
      await expect(dbs.read.query("INSERT INTO notes VALUES ('through the read pool')")).rejects.toThrow(
        /read-only transaction/,
      );
      expect(await checkDatabase(dbs.read, "read")).toEqual({ ready: true });
    } finally {
      await dbs.close();
    }
  });

  it("DATABASE_READ_URL: reads go to the read database, writes to the primary", async () => {
    const dbs = await openDatabases(databasePlan({ DATABASE_URL: primary.url, DATABASE_READ_URL: replica.url }), {
      max: 2,
    });
    try {
      const db = async (pool: typeof dbs.read) =>
        (await pool.query<{ db: string }>("SELECT current_database() AS db")).rows[0]?.db;
      expect(await db(dbs.write)).toBe(primary.name);
      expect(await db(dbs.read)).toBe(replica.name);
    } finally {
      await dbs.close();
    }
  });

  it("a database that is down: readiness false with the reason, no throw", async () => {
    const dbs = await openDatabases(databasePlan({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" }), { max: 1 });
    try {
      const r = await checkDatabase(dbs.write, "primary");
      expect(r.ready).toBe(false);
      expect(!r.ready && r.reason).toMatch(/^primary: .*ECONNREFUSED/);
    } finally {
      await dbs.close();
    }
  });
});

describe("openDatabases with DATABASE_INSTANCE", () => {
  it("goes through the Cloud SQL connector for that instance, and never falls back to a URL", async () => {
    // The real connector, pointed at a local stand-in for the Cloud SQL Admin API that denies the caller, as the API
    // does for a service account without roles/cloudsql.client.
    const seen: { method?: string; url?: string; auth?: string }[] = [];
    const admin = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: 403, message: "cloudsql.instances.connect denied", status: "PERMISSION_DENIED" },
        }),
      );
    });
    await new Promise<void>((r) => admin.listen(0, "127.0.0.1", r));
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: "token-for-the-test", expiry_date: Date.now() + 3_600_000 });
    const connector = new Connector({
      sqlAdminAPIEndpoint: `http://127.0.0.1:${(admin.address() as AddressInfo).port}`,
      auth,
    });
    try {
      const plan = databasePlan({
        DATABASE_INSTANCE: "orion-prod:us-east4:orion-prod-primary",
        DATABASE_IAM_AUTH: "true",
        DATABASE_USER: "orion-executor@orion-prod.iam",
      });
      await expect(openDatabases(plan, { connector })).rejects.toThrow(
        /^DATABASE_INSTANCE orion-prod:us-east4:orion-prod-primary: Cloud SQL connection settings unavailable: .*denied/,
      );
      expect(seen).toContainEqual({
        method: "GET",
        url: expect.stringMatching(
          /^\/sql\/v1beta4\/projects\/orion-prod\/instances\/orion-prod-primary\/connectSettings/,
        ),
        auth: "Bearer token-for-the-test",
      });
    } finally {
      // No connector.close(): see openDatabases (it would reject unhandled for the instance that failed).
      admin.close();
    }
  });
});

describe("databasePlan", () => {
  const cloud: DatabaseEnv = {
    DATABASE_INSTANCE: "orion-prod:us-east4:orion-prod-primary",
    DATABASE_READ_INSTANCE: "orion-prod:europe-west1:orion-prod-replica-ew1",
    DATABASE_IAM_AUTH: "true",
    DATABASE_USER: "orion-executor@orion-prod.iam",
  };

  it("the cloud variables choose the Cloud SQL connector: writes to the primary, reads to this region's replica", () => {
    const user = "orion-executor@orion-prod.iam";
    expect(databasePlan(cloud)).toEqual({
      write: { kind: "cloud-sql", instance: "orion-prod:us-east4:orion-prod-primary", user, database: "orion" },
      read: { kind: "cloud-sql", instance: "orion-prod:europe-west1:orion-prod-replica-ew1", user, database: "orion" },
    });
    const { DATABASE_READ_INSTANCE: _, ...primaryOnly } = cloud;
    expect(databasePlan(primaryOnly).read).toEqual(databasePlan(primaryOnly).write);
  });

  it("DATABASE_URL chooses a plain pool", () => {
    expect(databasePlan({ DATABASE_URL: "postgres://u@h/db" })).toEqual({
      write: { kind: "url", url: "postgres://u@h/db" },
      read: { kind: "url", url: "postgres://u@h/db" },
    });
  });

  it.each<[DatabaseEnv, string, RegExp]>([
    [{}, "DATABASE_INSTANCE", /is not set/],
    [{ ...cloud, DATABASE_URL: "postgres://h/db" }, "DATABASE_URL", /both set/],
    [{ ...cloud, DATABASE_IAM_AUTH: "false" }, "DATABASE_IAM_AUTH", /IAM principals/],
    [{ ...cloud, DATABASE_USER: undefined }, "DATABASE_USER", /is not set/],
    [{ ...cloud, DATABASE_USER: "x@p.iam.gserviceaccount.com" }, "DATABASE_USER", /without/],
    [{ ...cloud, DATABASE_INSTANCE: "orion-prod-primary" }, "DATABASE_INSTANCE", /project:region:instance/],
    [{ ...cloud, DATABASE_READ_INSTANCE: "a:b" }, "DATABASE_READ_INSTANCE", /connection name/],
    [{ ...cloud, DATABASE_READ_URL: "postgres://h/db" }, "DATABASE_READ_URL", /local runs/],
    [{ DATABASE_URL: "mysql://h/db" }, "DATABASE_URL", /postgres:\/\//],
    [{ DATABASE_URL: "postgres://h/db", DATABASE_READ_INSTANCE: "p:r:i" }, "DATABASE_READ_INSTANCE", /needs/],
  ])("refuses %j, naming %s", (env, variable, reason) => {
    let error: unknown;
    try {
      databasePlan(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).variable).toBe(variable);
    expect((error as EnvError).message).toMatch(reason);
  });
});
