/**
 * What one end-to-end file's `orion` runs share: a database of its own, a Redis key prefix and an ORION_HOME, made
 * before the file's tests and removed after them. Call it at the top of the file (or a describe), before the hooks
 * that use it, so that it is set up first and torn down last.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "./redis.ts";

export interface OrionSession {
  readonly db: TestDatabase;
  /** The file's ORION_HOME, also the place for its reports. */
  readonly dir: string;
  readonly prefix: string;
  /** orion's environment: this process's, with the file's database, Redis prefix and home; `extra` wins. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export function orionSession(name: string): OrionSession {
  const prefix = testKeyPrefix();
  let db: TestDatabase | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), mkdtemp(join(tmpdir(), `orion-${name}-`))]);
  });
  afterAll(async () => {
    await db?.drop();
    await deleteKeysWithPrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("orionSession: used before its beforeAll ran");
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get dir() {
      return ready(dir);
    },
    prefix,
    env(extra = {}) {
      return {
        ...process.env,
        DATABASE_URL: ready(db).url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_REDIS_PREFIX: prefix,
        ORION_HOME: ready(dir),
        LOG_LEVEL: "error",
        ...extra,
      };
    },
  };
}
