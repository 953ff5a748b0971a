import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { botEnvSchemas, EnvError, parseEnv } from "../../domain/env/index.ts";
import { relaySubmission } from "./relay.ts";

/** `orion run executor`'s relay settings: which relay, which key, which bid; every bad one is one line naming it. */
const trader = Wallet.createRandom();
const reputation = Wallet.createRandom();
const base = {
  REDIS_URL: "redis://127.0.0.1:6379",
  DATABASE_URL: "postgres://127.0.0.1:5432/orion",
  RPC_URLS: "http://127.0.0.1:8545",
  ORION_POOLS: "pools.json",
  ORION_CHAIN: "ethereum",
  ORION_EXECUTOR_CONTRACT: `0x${"e1".repeat(20)}`,
  ORION_EXECUTOR_ACCOUNT: trader.address,
};
const env = (over: Record<string, string>) => parseEnv(botEnvSchemas.executor, { ...base, ...over });
const profile = { name: "relayed", relayUrl: "https://relay.example.com/" };
const noRelay = { name: "plain" };

function refusal(f: () => unknown): EnvError {
  try {
    f();
  } catch (err) {
    if (err instanceof EnvError) return err;
    throw err;
  }
  throw new Error("expected an EnvError");
}

describe("the executor's relay from its env", () => {
  it("is none without a relay anywhere (the public mempool), even with a key set", () => {
    expect(relaySubmission(env({}), noRelay)).toBeNull();
    expect(relaySubmission(env({ ORION_RELAY_KEY: reputation.privateKey }), noRelay)).toBeNull();
  });

  it("is the profile's relayUrl, or ORION_RELAY_URL over it, with the key and the bid (default half)", () => {
    const key = { ORION_RELAY_KEY: reputation.privateKey };
    expect(relaySubmission(env(key), profile)).toEqual({
      url: profile.relayUrl,
      reputationKey: reputation.privateKey,
      bidShareBps: 5_000,
    });
    const over = env({ ...key, ORION_RELAY_URL: "http://127.0.0.1:9000", ORION_BID_SHARE_BPS: "8000" });
    expect(relaySubmission(over, noRelay)).toMatchObject({ url: "http://127.0.0.1:9000", bidShareBps: 8_000 });
    expect(relaySubmission(over, profile)).toMatchObject({ url: "http://127.0.0.1:9000" });
  });

  it("refuses a relay without a key, naming where the relay came from", () => {
    expect(refusal(() => relaySubmission(env({}), profile)).message).toMatch(
      /^ORION_RELAY_KEY is not set: chain profile relayed's relayUrl sends trades to a relay/,
    );
    expect(refusal(() => relaySubmission(env({ ORION_RELAY_URL: "https://r.example.com" }), noRelay)).message).toMatch(
      /^ORION_RELAY_KEY is not set: ORION_RELAY_URL sends trades to a relay/,
    );
  });

  it("refuses the trading account's own key as the reputation key", () => {
    const e = refusal(() => relaySubmission(env({ ORION_RELAY_KEY: trader.privateKey }), profile));
    expect(e.message).toBe(
      "ORION_RELAY_KEY is the key of ORION_EXECUTOR_ACCOUNT: the reputation key must be a key of its own, holding nothing",
    );
  });

  it.each([
    [{ ORION_RELAY_KEY: "0x1234" }, "ORION_RELAY_KEY must be a 0x-prefixed 32-byte hex private key"],
    [
      { ORION_RELAY_KEY: reputation.privateKey.slice(2) },
      "ORION_RELAY_KEY must be a 0x-prefixed 32-byte hex private key",
    ],
    [{ ORION_BID_SHARE_BPS: "10001" }, "ORION_BID_SHARE_BPS must be basis points, a whole number 0..10000"],
    [{ ORION_BID_SHARE_BPS: "50%" }, "ORION_BID_SHARE_BPS must be basis points, a whole number 0..10000"],
    [{ ORION_RELAY_URL: "ws://relay.example.com/secret" }, "ORION_RELAY_URL must be an http(s) URL"],
  ])("refuses %j in one line that never echoes the value", (over, message) => {
    const e = refusal(() => env(over));
    expect(e.message).toBe(message);
    for (const value of Object.values(over)) expect(e.message).not.toContain(value);
  });
});
