import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import {
  createMemoryBus,
  createRedisBus,
  opportunitiesTopic,
  ordersTopic,
  tradesTopic,
  type Bus,
  type Topic,
} from "./index.ts";

interface Ping {
  id: string;
  amount: bigint;
}
const pingTopic: Topic<Ping, { id: string; amount: string }> = {
  name: "ping",
  schema: z.object({ id: z.string(), amount: z.string().transform((s) => BigInt(s)) }),
  encode: (p) => ({ id: p.id, amount: p.amount.toString() }),
  key: (p) => p.id,
};

const prefixes: string[] = [];
const buses: Bus[] = [];
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await Promise.all(prefixes.map((p) => deleteKeysWithPrefix(p)));
});

function redisBus(prefix: string, claimIdleMs = 5_000, errors: unknown[] = []): Bus {
  const bus = createRedisBus({
    url: TEST_REDIS_URL,
    keyPrefix: prefix,
    claimIdleMs,
    blockMs: 100,
    onError: (e) => errors.push(e),
  });
  buses.push(bus);
  return bus;
}

function fresh(): string {
  const p = testKeyPrefix();
  prefixes.push(p);
  return p;
}

/** Each transport, made with the idle time after which a failed message is handed again. */
const both: [string, (claimIdleMs?: number) => Bus][] = [
  ["memory", (claimIdleMs) => createMemoryBus(claimIdleMs === undefined ? {} : { claimIdleMs })],
  ["redis", (claimIdleMs) => redisBus(fresh(), claimIdleMs)],
];

describe.each(both)("%s bus", (_name, make) => {
  it("delivers every message to every group, exactly once per group, in order, with bigints intact", async () => {
    const bus = make();
    const a: Ping[] = [];
    const b: Ping[] = [];
    await bus.subscribe(pingTopic, { group: "a", consumer: "a1" }, async (p) => void a.push(p));
    await bus.subscribe(pingTopic, { group: "b", consumer: "b1" }, async (p) => void b.push(p));
    for (let i = 0; i < 5; i++) await bus.publish(pingTopic, { id: `m${i}`, amount: 10n ** 40n + BigInt(i) });
    await expect.poll(() => [a.length, b.length]).toEqual([5, 5]);
    expect(a.map((p) => p.id)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(b[4]?.amount).toBe(10n ** 40n + 4n);
  });

  it("shares a group's messages between its consumers: each handled once", async () => {
    const bus = make();
    const seen: string[] = [];
    await bus.subscribe(pingTopic, { group: "g", consumer: "c1" }, async (p) => void seen.push(`c1:${p.id}`));
    await bus.subscribe(pingTopic, { group: "g", consumer: "c2" }, async (p) => void seen.push(`c2:${p.id}`));
    for (let i = 0; i < 20; i++) await bus.publish(pingTopic, { id: `m${i}`, amount: 1n });
    // Waits for every message to be handled by someone; a copy handled twice shows up as a longer list.
    await expect.poll(() => new Set(seen.map((s) => s.split(":")[1])).size).toBe(20);
    expect(seen).toHaveLength(20);
  });

  it("is idempotent by key: a message published twice runs the handler once", async () => {
    const bus = make();
    const seen: string[] = [];
    await bus.subscribe(pingTopic, { group: "g", consumer: "c1" }, async (p) => void seen.push(p.id));
    await bus.publish(pingTopic, { id: "same", amount: 1n });
    await bus.publish(pingTopic, { id: "same", amount: 1n });
    await bus.publish(pingTopic, { id: "other", amount: 1n });
    // One consumer handles the stream in order, so a second "same" would arrive before "after".
    await bus.publish(pingTopic, { id: "after", amount: 1n });
    await expect.poll(() => seen.at(-1)).toBe("after");
    expect(seen).toEqual(["same", "other", "after"]);
  });

  it("counts a group's unfinished messages: those whose handler has not returned, until it has", async () => {
    const bus = make();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await bus.subscribe(pingTopic, { group: "slow", consumer: "c" }, () => held);
    await bus.subscribe(pingTopic, { group: "quick", consumer: "c" }, async () => undefined);
    expect(await bus.unfinished(pingTopic, "slow")).toBe(0);
    await bus.publish(pingTopic, { id: "a", amount: 1n });
    await bus.publish(pingTopic, { id: "b", amount: 1n });
    await expect.poll(() => bus.unfinished(pingTopic, "quick")).toBe(0);
    expect(await bus.unfinished(pingTopic, "slow")).toBe(2);
    release();
    await expect.poll(() => bus.unfinished(pingTopic, "slow")).toBe(0);
  });

  it("redelivers a message whose handler failed to another consumer once it has been idle, and only then is it finished", async () => {
    const bus = make(200);
    let failures = 0;
    const handled: number[] = [];
    const dying = await bus.subscribe(pingTopic, { group: "g", consumer: "dying" }, async () => {
      failures++;
      throw new Error("crashed mid-message");
    });
    await bus.publish(pingTopic, { id: "m1", amount: 1n });
    await expect.poll(() => failures).toBe(1);
    expect(await bus.unfinished(pingTopic, "g")).toBe(1);
    await dying.stop();
    await bus.subscribe(pingTopic, { group: "g", consumer: "healthy" }, async (_p, d) => void handled.push(d.attempt));
    await expect.poll(() => handled, { timeout: 5_000 }).toHaveLength(1);
    expect(handled[0]).toBeGreaterThanOrEqual(2);
    await expect.poll(() => bus.unfinished(pingTopic, "g")).toBe(0);
  });

  it("retries a failed message on the group's only consumer, counting attempts, without holding up the ones after it", async () => {
    const bus = make(200);
    const seen: string[] = [];
    await bus.subscribe(pingTopic, { group: "g", consumer: "c" }, async (p, d) => {
      seen.push(`${p.id}@${d.attempt}`);
      if (p.id === "m1" && d.attempt < 3) throw new Error("dependency down");
    });
    await bus.publish(pingTopic, { id: "m1", amount: 1n });
    await bus.publish(pingTopic, { id: "m2", amount: 1n });
    await expect.poll(() => seen, { timeout: 5_000 }).toContain("m1@3");
    await expect.poll(() => bus.unfinished(pingTopic, "g")).toBe(0);
    // m1 failed twice and succeeded on its third delivery; m2 ran once, before m1's first retry.
    expect(seen).toEqual(["m1@1", "m2@1", "m1@2", "m1@3"]);
  });
});

describe("redis bus", () => {
  it("a consumer started after messages were published still receives them (the group starts at the stream's start)", async () => {
    const prefix = fresh();
    const producer = redisBus(prefix);
    await producer.publish(pingTopic, { id: "early", amount: 1n });
    const seen: string[] = [];
    await redisBus(prefix).subscribe(pingTopic, { group: "late", consumer: "c" }, async (p) => void seen.push(p.id));
    await expect.poll(() => seen).toEqual(["early"]);
  });

  it("counts as unfinished what a group has not read yet, whether it exists yet or not, and a failed message", async () => {
    const prefix = fresh();
    const bus = redisBus(prefix, 60_000);
    expect(await bus.unfinished(pingTopic, "later")).toBe(0);
    await bus.publish(pingTopic, { id: "m1", amount: 1n });
    await bus.publish(pingTopic, { id: "m2", amount: 1n });
    expect(await bus.unfinished(pingTopic, "later")).toBe(2);
    await bus.subscribe(pingTopic, { group: "failing", consumer: "c" }, async (p) => {
      if (p.id === "m1") throw new Error("crashed mid-message");
    });
    // m2 is done; m1 stays pending for redelivery, so the group is not finished.
    await expect.poll(() => bus.unfinished(pingTopic, "failing")).toBe(1);
  });

  it("drops and reports a malformed message without blocking the ones after it", async () => {
    const prefix = fresh();
    const errors: unknown[] = [];
    const bus = redisBus(prefix, 5_000, errors);
    const seen: string[] = [];
    await bus.subscribe(pingTopic, { group: "g", consumer: "c" }, async (p) => void seen.push(p.id));
    const raw = new Redis(TEST_REDIS_URL);
    await raw.xadd(`${prefix}bus:ping`, "*", "m", JSON.stringify({ id: "bad", amount: "1.5" }));
    raw.disconnect();
    await bus.publish(pingTopic, { id: "good", amount: 2n });
    await expect.poll(() => seen).toEqual(["good"]);
    expect(String(errors[0])).toMatch(/malformed/);
  });
});

describe("message schemas", () => {
  const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
  it("round-trip the pipeline's messages through JSON", () => {
    const block = {
      blockNumber: 7,
      seenAt: 123.5,
      rpcMs: 1.25,
      gasPriceWei: 10n ** 9n,
      basePerNative: { [A(1)]: { num: 1n, den: 1n } },
      candidates: [
        {
          id: "7:x",
          blockNumber: 7,
          baseToken: A(1),
          pools: [A(2), A(3)],
          tokens: [A(1), A(4), A(1)],
          amountIn: 10n ** 30n,
          amountOut: 10n ** 30n + 1n,
          profit: 1n,
        },
        {
          id: "7:y",
          blockNumber: 7,
          baseToken: A(1),
          pools: [A(5), A(6)],
          tokens: [A(1), A(4), A(1)],
          amountIn: 3n,
          amountOut: 5n,
          profit: 2n,
          protocols: ["uniswap-v3" as const, "uniswap-v2" as const],
        },
      ],
    };
    const order = {
      order: {
        opportunityId: "7:x",
        mode: "sim" as const,
        epoch: 1,
        blockNumber: 7,
        baseToken: A(1),
        pools: [A(2), A(3)],
        tokens: [A(1), A(4), A(1)],
        amountIn: 5n,
        predictedProfit: 2n,
        minProfit: 1n,
      },
      seenAt: 1,
    };
    const trade = {
      tradeId: "t",
      opportunityId: "7:x",
      mode: "live" as const,
      epoch: 2,
      status: "reverted" as const,
      netWei: -5n,
    };
    // A trade refused for its funding says so (the orchestrator's breaker does not count it).
    const refused = { ...trade, status: "rejected" as const, netWei: 0n, verdict: "unprofitable" };
    for (const [topic, value] of [
      [opportunitiesTopic, block],
      [ordersTopic, order],
      [tradesTopic, trade],
      [tradesTopic, refused],
    ] as [Topic<unknown, unknown>, unknown][]) {
      expect(topic.schema.parse(JSON.parse(JSON.stringify(topic.encode(value))))).toEqual(value);
    }
  });

  it("reject a candidate whose protocols do not match its pools", () => {
    const candidate = {
      id: "7:x",
      blockNumber: 7,
      baseToken: A(1),
      pools: [A(2), A(3)],
      tokens: [A(1), A(4), A(1)],
      amountIn: "3",
      amountOut: "5",
      profit: "2",
    };
    const block = { blockNumber: 7, seenAt: 1, rpcMs: 0, gasPriceWei: "1", basePerNative: {} };
    const parse = (c: object) => opportunitiesTopic.schema.safeParse({ ...block, candidates: [c] }).success;
    expect(parse(candidate)).toBe(true);
    expect(parse({ ...candidate, protocols: ["uniswap-v3", "uniswap-v2"] })).toBe(true);
    expect(parse({ ...candidate, protocols: ["uniswap-v3"] })).toBe(false);
    expect(parse({ ...candidate, protocols: ["uniswap-v3", "curve"] })).toBe(false);
  });

  it("check each candidate of a block as the wire form and convert the list once", () => {
    const candidate = {
      id: "7:x",
      blockNumber: 7,
      baseToken: "0x00000000000000000000000000000000000000AB",
      pools: [A(2), A(3)],
      tokens: ["0x00000000000000000000000000000000000000AB", A(4), "0x00000000000000000000000000000000000000aB"],
      amountIn: "3",
      amountOut: "5",
      profit: "2",
    };
    const block = { blockNumber: 7, seenAt: 1, rpcMs: 0, gasPriceWei: "1", basePerNative: {} };
    const parse = (...c: object[]) => opportunitiesTopic.schema.safeParse({ ...block, candidates: c });
    const ok = parse(candidate, { ...candidate, id: "7:y" });
    expect(ok.success && ok.data.candidates[0]).toEqual({
      ...candidate,
      baseToken: "0x00000000000000000000000000000000000000ab",
      tokens: ["0x00000000000000000000000000000000000000ab", A(4), "0x00000000000000000000000000000000000000ab"],
      amountIn: 3n,
      amountOut: 5n,
      profit: 2n,
    });
    // Every wrong field is refused, and the issue names the candidate it is in.
    const issue = (c: object) => {
      const r = parse(candidate, c);
      return r.success ? null : r.error.issues.map((i) => i.path.join("."));
    };
    expect(issue({ ...candidate, tokens: [A(1), A(4), A(5), A(1)] })).toEqual(["candidates.1.tokens"]);
    expect(issue({ ...candidate, pools: [A(2), "0x12"] })).toEqual(["candidates.1.pools.1"]);
    expect(issue({ ...candidate, amountIn: "03" })).toEqual(["candidates.1.amountIn"]);
    expect(issue({ ...candidate, profit: "-2" })).toEqual(["candidates.1.profit"]);
    expect(issue({ ...candidate, extra: 1 })).toEqual(["candidates.1"]);
  });

  it("reject a number where a bigint string belongs", () => {
    expect(
      tradesTopic.schema.safeParse({
        tradeId: "t",
        opportunityId: "o",
        mode: "sim",
        epoch: 1,
        status: "simulated",
        netWei: 5,
      }).success,
    ).toBe(false);
  });
});
