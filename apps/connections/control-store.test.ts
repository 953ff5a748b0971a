import { describe, expect, it } from "vitest";
import { controlStoreEndpoint, controlStoreTarget } from "./control-store.ts";
import { startTlsRedis } from "./testing/tls-redis.ts";
import { createRedisControlStore } from "../control/index.ts";
import { testKeyPrefix } from "../../test/support/redis.ts";

describe("controlStoreEndpoint", () => {
  it("is the bot's own Redis when no control store is named", () => {
    expect(controlStoreEndpoint({})).toBeNull();
    expect(controlStoreTarget({}, "redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it.each([
    [{ ORION_CONTROL_REDIS_PASSWORD: "x" }, "ORION_CONTROL_REDIS_PASSWORD is set without ORION_CONTROL_REDIS_HOST"],
    [
      { ORION_CONTROL_REDIS_URL: "redis://a:1", ORION_CONTROL_REDIS_HOST: "10.0.0.3" },
      "ORION_CONTROL_REDIS_URL and ORION_CONTROL_REDIS_HOST are both set",
    ],
    [{ ORION_CONTROL_REDIS_HOST: "10.0.0.3" }, "ORION_CONTROL_REDIS_CA_CERT is not set"],
    [{ ORION_CONTROL_REDIS_URL: "http://a" }, "ORION_CONTROL_REDIS_URL must start with redis:// or rediss://"],
  ])("refuses %j naming the variable to fix", (env, message) => {
    expect(() => controlStoreEndpoint(env)).toThrow(message);
  });

  it("reaches a Memorystore-like control store over TLS with AUTH, and refuses a CA that did not sign it", async () => {
    const server = await startTlsRedis();
    const prefix = testKeyPrefix();
    const env = {
      ORION_CONTROL_REDIS_HOST: server.host,
      ORION_CONTROL_REDIS_PORT: String(server.tlsPort),
      ORION_CONTROL_REDIS_CA_CERT: server.ca,
      ORION_CONTROL_REDIS_PASSWORD: server.password,
    };
    const store = createRedisControlStore({ url: controlStoreTarget(env, "redis://unused"), keyPrefix: prefix });
    const forged = createRedisControlStore({
      url: controlStoreTarget({ ...env, ORION_CONTROL_REDIS_CA_CERT: server.otherCa }, "redis://unused"),
      keyPrefix: prefix,
    });
    try {
      expect((await store.setKillSwitch(true, "drill", "test")).killSwitch.engaged).toBe(true);
      await expect(forged.read()).rejects.toThrow(/control store read failed/);
    } finally {
      await store.close();
      await forged.close();
      await server.stop();
    }
  }, 60_000);
});
