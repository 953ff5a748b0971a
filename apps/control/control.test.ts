import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import {
  ControlStoreUnavailable,
  createMemoryControlStore,
  createRedisControlStore,
  DEFAULT_RISK_LIMITS,
  riskLimitsSchema,
  riskLimitsToWire,
  VersionConflict,
  type ControlState,
  type ControlStore,
} from "./index.ts";

const prefixes: string[] = [];
const stores: ControlStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(prefixes.map((p) => deleteKeysWithPrefix(p)));
});

function redisStore(keyPrefix: string, clock?: () => Date): ControlStore {
  const s = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix, ...(clock ? { clock } : {}) });
  stores.push(s);
  return s;
}

/** A clock that moves one second per reading: each stamped change is later than the one before, with no waiting. */
function steppingClock(): () => Date {
  let t = Date.parse("2026-01-01T00:00:00Z");
  return () => new Date((t += 1000));
}

const implementations: [string, (clock?: () => Date) => ControlStore][] = [
  ["memory", (clock) => createMemoryControlStore(undefined, clock)],
  [
    "redis",
    (clock) => {
      const prefix = testKeyPrefix();
      prefixes.push(prefix);
      return redisStore(prefix, clock);
    },
  ],
];

describe.each(implementations)("%s control store", (_name, make) => {
  let store: ControlStore;
  beforeEach(() => {
    store = make();
  });

  it("starts in sim mode, epoch 1, kill switch released, default limits", async () => {
    const s = await store.read();
    expect(s).toMatchObject({ mode: "sim", version: 1, epoch: 1, killSwitch: { engaged: false } });
    expect(s.limits).toEqual(DEFAULT_RISK_LIMITS);
  });

  it("a real mode change bumps version and epoch and restarts the epoch clock; a no-op changes nothing", async () => {
    store = make(steppingClock());
    const s0 = await store.read();
    const s1 = await store.switchMode("live", s0.version, "alice");
    expect(s1).toMatchObject({ mode: "live", version: 2, epoch: 2 });
    expect(Date.parse(s1.since)).toBeGreaterThan(Date.parse(s0.since));
    expect(s1.since).toMatch(/^2026-01-01T00:00:/); // stamped by the injected clock, not the wall clock
    expect(await store.switchMode("live", 2, "alice")).toEqual(s1);
    const s2 = await store.switchMode("sim", 2, "alice");
    expect(s2).toMatchObject({ mode: "sim", version: 3, epoch: 3 });
    expect(await store.read()).toEqual(s2);
  });

  it("rejects a stale version with VersionConflict and leaves the state alone", async () => {
    const s0 = await store.read();
    await store.switchMode("live", s0.version, "alice");
    await expect(store.switchMode("sim", s0.version, "bob")).rejects.toBeInstanceOf(VersionConflict);
    await expect(store.setRiskLimits(DEFAULT_RISK_LIMITS, s0.version, "bob")).rejects.toBeInstanceOf(VersionConflict);
    expect((await store.read()).mode).toBe("live");
  });

  it("the kill switch needs no version, keeps its first time and clears on release", async () => {
    const engaged = await store.setKillSwitch(true, "drill", "ops");
    expect(engaged.killSwitch).toMatchObject({ engaged: true, reason: "drill" });
    expect(engaged.epoch).toBe(1);
    const again = await store.setKillSwitch(true, "still drilling", "ops");
    expect(again.killSwitch.since).toBe(engaged.killSwitch.since);
    expect(again.killSwitch.reason).toBe("still drilling");
    const released = await store.setKillSwitch(false, "drill over", "ops");
    expect(released.killSwitch).toEqual({ engaged: false, reason: null, since: null });
    expect(released.version).toBe(4);
  });

  it("stores validated risk limits and refuses invalid ones", async () => {
    const token = "0x" + "ab".repeat(20);
    const limits = { ...DEFAULT_RISK_LIMITS, maxAmountInPerToken: { [token]: 5n }, maxConsecutiveFailures: 7 };
    const s = await store.setRiskLimits(limits, 1, "risk");
    expect(s.limits).toEqual(limits);
    expect((await store.read()).limits).toEqual(limits);
    await expect(
      store.setRiskLimits({ ...limits, minProfitAfterGasWei: -1n }, s.version, "risk"),
    ).rejects.toBeInstanceOf(ZodError);
    await expect(store.setRiskLimits({ ...limits, maxConsecutiveFailures: 0 }, s.version, "risk")).rejects.toThrow();
  });

  it("notifies watchers of every change until they unsubscribe", async () => {
    await store.read();
    const seen: ControlState[] = [];
    const stop = await store.watch((s) => seen.push(s));
    await store.switchMode("live", 1, "alice");
    await store.setKillSwitch(true, "stop", "ops");
    await expect.poll(() => seen.map((s) => s.version)).toEqual([2, 3]);
    // A watcher that stays subscribed is the barrier: once it has the next change, the stopped one would have too.
    const after: ControlState[] = [];
    const stopAfter = await store.watch((s) => after.push(s));
    await stop();
    await store.setKillSwitch(false, "go", "ops");
    await expect.poll(() => after.map((s) => s.version)).toEqual([4]);
    await stopAfter();
    expect(seen).toHaveLength(2);
  });
});

describe("redis control store across processes", () => {
  it("two concurrent switches from the same version: exactly one wins, the other gets VersionConflict", async () => {
    const prefix = testKeyPrefix();
    prefixes.push(prefix);
    const a = redisStore(prefix);
    const b = redisStore(prefix);
    const v = (await a.read()).version;
    const results = await Promise.allSettled([a.switchMode("live", v, "alice"), b.switchMode("live", v, "bob")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflict);
    expect(await b.read()).toMatchObject({ mode: "live", version: v + 1, epoch: 2 });
  });

  it("a watcher in one client sees the writes of another", async () => {
    const prefix = testKeyPrefix();
    prefixes.push(prefix);
    const writer = redisStore(prefix);
    const reader = redisStore(prefix);
    await reader.read();
    const seen: ControlState[] = [];
    await reader.watch((s) => seen.push(s));
    await writer.setKillSwitch(true, "incident 42", "ops");
    await expect.poll(() => seen[0]?.killSwitch.reason).toBe("incident 42");
  });

  it("an unreachable store throws ControlStoreUnavailable on every operation, quickly", async () => {
    const dead = createRedisControlStore({ url: "redis://127.0.0.1:1", keyPrefix: testKeyPrefix() });
    stores.push(dead);
    const started = Date.now();
    await expect(dead.read()).rejects.toBeInstanceOf(ControlStoreUnavailable);
    await expect(dead.switchMode("live", 1, "x")).rejects.toBeInstanceOf(ControlStoreUnavailable);
    await expect(dead.setKillSwitch(true, "x", "x")).rejects.toBeInstanceOf(ControlStoreUnavailable);
    await expect(dead.watch(() => undefined)).rejects.toBeInstanceOf(ControlStoreUnavailable);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a corrupt stored state reads as unavailable, never as a default mode", async () => {
    const prefix = testKeyPrefix();
    prefixes.push(prefix);
    const { Redis } = await import("ioredis");
    const raw = new Redis(TEST_REDIS_URL);
    await raw.hset(`${prefix}control:state`, "version", "9", "state", '{"mode":"live"}');
    raw.disconnect();
    await expect(redisStore(prefix).read()).rejects.toBeInstanceOf(ControlStoreUnavailable);
  });
});

describe("risk limits on the wire", () => {
  it("round-trips bigints as decimal strings and lowercases token addresses", () => {
    const token = "0x" + "AB".repeat(20);
    const wire = riskLimitsToWire({ ...DEFAULT_RISK_LIMITS, maxAmountInPerToken: { [token]: 10n ** 30n } });
    expect(wire.maxAmountInPerToken).toEqual({ [token.toLowerCase()]: "1" + "0".repeat(30) });
    expect(riskLimitsSchema.parse(JSON.parse(JSON.stringify(wire))).maxAmountInPerToken).toEqual({
      [token.toLowerCase()]: 10n ** 30n,
    });
  });

  it.each([
    ["a negative amount", { minProfitAfterGasWei: "-1" }],
    ["a float", { defaultMaxAmountIn: "1.5" }],
    ["a number instead of a string", { maxOpenExposureWei: 5 }],
    ["a key that is not an address", { maxAmountInPerToken: { WETH: "1" } }],
    ["an unknown field", { extra: 1 }],
  ])("rejects %s", (_what, patch) => {
    expect(riskLimitsSchema.safeParse({ ...riskLimitsToWire(DEFAULT_RISK_LIMITS), ...patch }).success).toBe(false);
  });
});
