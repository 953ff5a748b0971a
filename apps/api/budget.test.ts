import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { RequestBudget } from "./budget.ts";

const prefix = testKeyPrefix();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await deleteKeysWithPrefix(prefix);
});

describe("RequestBudget", () => {
  it("counts exactly on one instance and shares totals across instances after a flush", async () => {
    const clock = () => new Date("2026-11-27T12:00:30Z");
    const a = new RequestBudget(redis, prefix, clock);
    const b = new RequestBudget(redis, prefix, clock);
    expect([a.hit("user:1"), a.hit("user:1"), a.hit("user:1")]).toEqual([1, 2, 3]);
    expect(b.hit("user:1")).toBe(1);
    await a.flush();
    await b.flush();
    // b now knows a's three hits; a learns b's one at its next flush.
    expect(b.hit("user:1")).toBe(5);
    await b.flush();
    await a.flush();
    expect(a.hit("user:1")).toBe(6);
    expect(Number(await redis.get(`${prefix}budget:user:1:${Math.floor(clock().getTime() / 60_000)}`))).toBe(5);
  });

  it("slides: the previous minute counts for the part of it still within the last 60 s", async () => {
    let now = new Date("2026-11-27T12:00:59Z");
    const c = new RequestBudget(redis, prefix, () => now);
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
