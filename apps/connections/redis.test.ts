import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvError } from "./env-error.ts";
import { createRedis, describeRedisEndpoint, redisEndpoint, RedisProbe } from "./redis.ts";
import type { RedisEnv } from "./redis.ts";
import { startTlsRedis } from "./testing/tls-redis.ts";
import type { TlsRedis } from "./testing/tls-redis.ts";

let server: TlsRedis;
beforeAll(async () => {
  server = await startTlsRedis({ plaintextToo: true });
});
afterAll(async () => {
  await server?.stop();
});

/** The env the Region component gives a bot, pointed at the test server. */
const cloudEnv = (over: Partial<RedisEnv> = {}): RedisEnv => ({
  REDIS_HOST: server.host,
  REDIS_PORT: String(server.tlsPort),
  REDIS_TLS: "true",
  REDIS_CA_CERT: server.ca,
  REDIS_PASSWORD: server.password,
  ...over,
});

async function check(env: RedisEnv) {
  const probe = new RedisProbe(redisEndpoint(env), 3_000);
  try {
    return await probe.check();
  } finally {
    probe.close();
  }
}

describe("Memorystore-style Redis: TLS with the server CA and AUTH", () => {
  it("connects over TLS with the right CA and password, and reads back what it wrote", async () => {
    expect(await check(cloudEnv())).toEqual({ ready: true });
    const redis = createRedis(redisEndpoint(cloudEnv()), { lazyConnect: true });
    try {
      await redis.connect();
      await redis.set("orion-test:tls", "over tls", "EX", 10);
      expect(await redis.get("orion-test:tls")).toBe("over tls");
    } finally {
      redis.disconnect();
    }
  });

  it("a CA that did not sign the server's certificate: not ready, naming REDIS_CA_CERT", async () => {
    const r = await check(cloudEnv({ REDIS_CA_CERT: server.otherCa }));
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toMatch(/TLS certificate is not trusted .*REDIS_CA_CERT/);
  });

  it("a wrong password: not ready, naming REDIS_PASSWORD and not revealing it", async () => {
    const r = await check(cloudEnv({ REDIS_PASSWORD: "not-the-password" }));
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toMatch(/AUTH refused: REDIS_PASSWORD/);
    expect(!r.ready && r.reason).not.toContain("not-the-password");
    const none = await check(cloudEnv({ REDIS_PASSWORD: undefined }));
    expect(!none.ready && none.reason).toMatch(/requires AUTH: set REDIS_PASSWORD/);
  });

  it("never falls back to plaintext: TLS pointed at the plaintext port fails the handshake", async () => {
    const r = await check(cloudEnv({ REDIS_PORT: String(server.plainPort) }));
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toMatch(/no TLS session .*does that port serve TLS/);
  });
});

describe("redisEndpoint", () => {
  const pem = () => server.ca;

  it("reads the cloud variables: TLS on Memorystore's port 6378 unless REDIS_PORT says otherwise", () => {
    const e = redisEndpoint({ REDIS_HOST: "10.0.0.3", REDIS_TLS: "true", REDIS_CA_CERT: pem(), REDIS_PASSWORD: "s" });
    expect(e).toEqual({ host: "10.0.0.3", port: 6378, db: 0, password: "s", tls: { ca: pem() } });
    expect(describeRedisEndpoint(e)).toBe("rediss://10.0.0.3:6378");
  });

  it("reads a local REDIS_URL, with rediss:// meaning TLS", () => {
    expect(redisEndpoint({ REDIS_URL: "redis://127.0.0.1:6379/2" })).toEqual({ host: "127.0.0.1", port: 6379, db: 2 });
    expect(redisEndpoint({ REDIS_URL: "rediss://:p%40ss@cache:6380", REDIS_CA_CERT: pem() })).toEqual({
      host: "cache",
      port: 6380,
      db: 0,
      password: "p@ss",
      tls: { ca: pem() },
    });
  });

  it.each<[RedisEnv, string, RegExp]>([
    [{}, "REDIS_HOST", /is not set/],
    [{ REDIS_URL: "redis://a", REDIS_HOST: "b" }, "REDIS_URL", /both set/],
    [{ REDIS_HOST: "h", REDIS_TLS: "true" }, "REDIS_CA_CERT", /server CA/],
    [{ REDIS_HOST: "h", REDIS_TLS: "true", REDIS_CA_CERT: "not a pem" }, "REDIS_CA_CERT", /PEM certificate/],
    [{ REDIS_HOST: "h", REDIS_TLS: "yes" as "true" }, "REDIS_TLS", /"true" or "false"/],
    [{ REDIS_HOST: "h", REDIS_PORT: "99999" }, "REDIS_PORT", /TCP port number/],
    [{ REDIS_HOST: "h", REDIS_PORT: "0" }, "REDIS_PORT", /1\.\.65535/],
    [{ REDIS_URL: "http://x" }, "REDIS_URL", /redis:\/\/ or rediss:\/\//],
    [{ REDIS_URL: "redis://x", REDIS_TLS: "true" }, "REDIS_URL", /must be rediss:\/\//],
  ])("refuses %j, naming %s", (env, variable, reason) => {
    let error: unknown;
    try {
      redisEndpoint(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).variable).toBe(variable);
    expect((error as EnvError).message).toMatch(reason);
  });
});
