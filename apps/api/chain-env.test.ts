import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { SubjectKeyVault } from "../audit/index.ts";
import { devAccounts, startLocalChain, type LocalChain } from "../chain/index.ts";
import { generateKeyFile, loadKeyMaterial, totpCode, UserDirectory } from "../identity/index.ts";
import { chainChecksFromEnv } from "./chain-env.ts";
import { parseApiEnv } from "./config.ts";
import { startApiServer } from "./server.ts";

/**
 * Issue #13 item 2: an API started alone (`orion api`) runs the live pre-flight's RPC, executor and signer checks
 * from its environment, against a real chain served over HTTP.
 */
let chain: LocalChain;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  chain = await startLocalChain({ seed: 5, listen: { port: 0 } });
  await chain.devnet.mine(1);
  dir = mkdtempSync(join(tmpdir(), "orion-chain-env-"));
  keyFile = join(dir, "signer.key");
  writeFileSync(keyFile, chain.executorAccount.privateKey, { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = { DATABASE_URL: "postgres://u@127.0.0.1/db", REDIS_URL: TEST_REDIS_URL };
const chainEnv = () => ({
  RPC_URLS: chain.devnet.url as string,
  ORION_CHAIN_ID: "31337",
  ORION_EXECUTOR_CONTRACT: chain.markets.executor.address,
  ORION_EXECUTOR_ACCOUNT: chain.executorAccount.address,
  ORION_SIGNER_KEY_FILE: keyFile,
  ORION_SIGNER_MIN_BALANCE_WEI: String(10n ** 17n),
});

async function run(env: Record<string, string>) {
  const made = chainChecksFromEnv(parseApiEnv({ ...base, ...env }));
  if (!made) throw new Error("no checks");
  try {
    // As the pre-flight runner does: a check that throws has failed, with its message as the detail.
    const settle = (check: (() => Promise<{ ok: boolean; detail: string }>) | undefined) =>
      (check ?? (() => Promise.reject(new Error("missing"))))().catch((err: Error) => ({
        ok: false,
        detail: err.message,
      }));
    return {
      rpc: await settle(made.checks.rpc),
      executor: await settle(made.checks.executor),
      signer: await settle(made.checks.signer),
    };
  } finally {
    await made.close();
  }
}

describe("chain checks from the environment", () => {
  it("pass for the deployed executor, its owner's key and a funded account", async () => {
    const r = await run(chainEnv());
    expect(r.rpc).toMatchObject({ ok: true });
    expect(r.executor).toMatchObject({ ok: true });
    expect(r.signer).toMatchObject({ ok: true, detail: expect.stringContaining(chain.executorAccount.address) });
  });

  it("fail, each with its reason: another chain, another owner, another key, no signer", async () => {
    const other = devAccounts()[7];
    if (!other) throw new Error("no devnet account");
    const otherKey = join(dir, "other.key");
    writeFileSync(otherKey, other.privateKey, { mode: 0o600 });
    expect((await run({ ...chainEnv(), ORION_CHAIN_ID: "137" })).rpc).toMatchObject({
      ok: false,
      detail: expect.stringContaining("expected 137"),
    });
    expect((await run({ ...chainEnv(), ORION_EXECUTOR_ACCOUNT: other.address })).executor).toMatchObject({ ok: false });
    expect((await run({ ...chainEnv(), ORION_SIGNER_KEY_FILE: otherKey })).signer).toMatchObject({
      ok: false,
      detail: expect.stringContaining("not ORION_EXECUTOR_ACCOUNT"),
    });
    const { ORION_SIGNER_KEY_FILE: _unset, ...noSigner } = chainEnv();
    expect((await run(noSigner)).signer).toMatchObject({
      ok: false,
      detail: expect.stringContaining("ORION_SIGNER_KMS"),
    });
    expect(chainChecksFromEnv(parseApiEnv(base))).toBeNull();
    expect(() => chainChecksFromEnv(parseApiEnv({ ...base, RPC_URLS: "http://127.0.0.1:1" }))).toThrow(
      /ORION_CHAIN_ID/,
    );
  });
});

describe("orion api alone", () => {
  let db: TestDatabase;
  const prefix = testKeyPrefix();
  beforeAll(async () => {
    db = await createMigratedTestDatabase("orion_chainenv");
  });
  afterAll(async () => {
    await db?.drop();
    await deleteKeysWithPrefix(prefix);
  });

  it("runs the chain checks of POST /mode/validate from its environment", async () => {
    const keyFileJson = await generateKeyFile();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const keys = await loadKeyMaterial(keyFileJson);
    const users = new UserDirectory(pool, new SubjectKeyVault(pool, keys.kek), keys.pepper);
    const { totpSecret } = await users.create({
      email: "ops@example.com",
      role: "admin",
      password: "a long passphrase 1",
    });
    await pool.end();
    const api = await startApiServer({
      port: 0,
      logLevel: "silent",
      env: {
        ...chainEnv(),
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_KEY_PREFIX: prefix,
        ORION_HOME: dir,
        ORION_KEYS: JSON.stringify(keyFileJson),
      },
    });
    try {
      const login = await fetch(`${api.url}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: "ops@example.com",
          password: "a long passphrase 1",
          totp: totpCode(totpSecret as string, new Date()),
        }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const res = await fetch(`${api.url}/mode/validate`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ target: "live" }),
      });
      const report = (await res.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
      const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      expect(byName.rpc, JSON.stringify(report)).toMatchObject({ ok: true });
      expect(byName.executor).toMatchObject({ ok: true });
      expect(byName.signer).toMatchObject({ ok: true });
    } finally {
      await api.close();
    }
  });
});
