import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import pg from "pg";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { postgresSessionState, redisSessionState, type SessionState } from "../identity/index.ts";
import { RequestBudget } from "./budget.ts";

const prefix = testKeyPrefix();
let redis: Redis;
let db: TestDatabase;
let pool: pg.Pool;
const states = {} as Record<"redis" | "postgres", SessionState>;
beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  states.redis = redisSessionState(redis, prefix);
  db = await createMigratedTestDatabase("orion_budget");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  states.postgres = postgresSessionState(pool);
});
afterAll(async () => {
  await states.postgres.close();
  redis.disconnect();
  await pool.end();
  await db.drop();
  await deleteKeysWithPrefix(prefix);
});

describe.each(["redis", "postgres"] as const)("RequestBudget shared through %s", (name) => {
  it("counts exactly on one instance and shares totals across instances after a flush", async () => {
    const clock = () => new Date("2026-11-27T12:00:30Z");
    const a = new RequestBudget(states[name].counters, clock);
    const b = new RequestBudget(states[name].counters, clock);
    expect([a.hit("user:1"), a.hit("user:1"), a.hit("user:1")]).toEqual([1, 2, 3]);
    expect(b.hit("user:1")).toBe(1);
    await a.flush();
    await b.flush();
    // b now knows a's three hits; a learns b's one at its next flush.
    expect(b.hit("user:1")).toBe(5);
    await b.flush();
    await a.flush();
    expect(a.hit("user:1")).toBe(6);
    const minute = Math.floor(clock().getTime() / 60_000);
    expect(await states[name].counters.add([{ key: `budget:user:1:${minute}`, n: 0 }], 120)).toEqual([5]);
  });

  it("slides: the previous minute counts for the part of it still within the last 60 s", async () => {
    let now = new Date("2026-11-27T12:00:59Z");
    const c = new RequestBudget(states[name].counters, () => now);
    for (let i = 0; i < 10; i++) c.hit("ip:1");
    // A burst at the end of a minute and one at the start of the next are one window, not two budgets.
    now = new Date("2026-11-27T12:01:00Z");
    expect(c.hit("ip:1")).toBe(11);
    now = new Date("2026-11-27T12:01:30Z");
    expect(c.hit("ip:1")).toBe(7);
    now = new Date("2026-11-27T12:03:00Z");
    expect(c.hit("ip:1")).toBe(1);
  });
});

it("Redis keeps the budget under the key prefix, where other tools and instances find it", async () => {
  const clock = () => new Date("2026-11-27T13:00:30Z");
  const a = new RequestBudget(states.redis.counters, clock);
  a.hit("user:2");
  await a.flush();
  expect(Number(await redis.get(`${prefix}budget:user:2:${Math.floor(clock().getTime() / 60_000)}`))).toBe(1);
});
