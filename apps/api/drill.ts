import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type pg from "pg";
import { createRedisControlStore, type ControlState } from "../control/index.ts";
import { redisSessionState, totpCode, UserDirectory, type KeyMaterial } from "../identity/index.ts";
import { decide, RiskLedger, type Candidate, type DecideInput } from "../orchestrator/index.ts";
import { SubjectKeyVault } from "../audit/index.ts";
import { buildApi } from "./app.ts";
import { CONFIRM_PHRASES } from "./mode-requests.ts";

export interface DrillStep {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface DrillResult {
  ok: boolean;
  steps: DrillStep[];
}

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const WETH = A(1);

/** One clearly profitable opportunity: the orchestrator orders it unless something stops it. */
function probe(id: string): DecideInput["candidates"] {
  const e = 10n ** 18n;
  const c: Candidate = {
    id,
    blockNumber: 100,
    baseToken: WETH,
    pools: [A(0x11), A(0x12)],
    tokens: [WETH, A(2), WETH],
    amountIn: e / 10n,
    amountOut: e / 10n + e / 100n,
    profit: e / 100n,
  };
  return [c];
}

function ordersFor(control: ControlState | null, id: string): number {
  const input: DecideInput = {
    candidates: probe(id),
    control: control ? { ...control, limits: { ...control.limits, minProfitAfterGasWei: 0n } } : null,
    storeHealthy: true,
    market: { latestBlock: 100, gasPriceWei: 10n ** 9n, basePerNative: { [WETH]: { num: 1n, den: 1n } } },
    gas: { fixed: 50_000n, perHop: 50_000n },
    now: new Date(),
  };
  return decide(input, new RiskLedger()).orders.length;
}

/**
 * Rehearses runbooks/emergency-shutdown.md against a local platform: a live platform with an operator and a trader
 * logged in; the operator engages the kill switch, switches to sim and revokes every session through the API; then
 * the drill checks that every service was told (pub/sub), that the orchestrator places no order for a profitable
 * opportunity, and that no old token works. The drill runs under its own Redis key prefix, so the real platform's
 * mode is never touched; its users are erased afterwards and every step stays in the audit ledger.
 */
export async function runEmergencyShutdownDrill(deps: {
  pool: pg.Pool;
  redis: Redis;
  redisUrl: string;
  keys: KeyMaterial;
}): Promise<DrillResult> {
  const prefix = `orion-drill:${randomBytes(4).toString("hex")}:`;
  const control = createRedisControlStore({ url: deps.redisUrl, keyPrefix: prefix });
  const watcher = createRedisControlStore({ url: deps.redisUrl, keyPrefix: prefix });
  const users = new UserDirectory(deps.pool, new SubjectKeyVault(deps.pool, deps.keys.kek), deps.keys.pepper);
  const app = await buildApi({
    pool: deps.pool,
    state: redisSessionState(deps.redis, prefix),
    control,
    keys: deps.keys,
    tokens: { issuer: "orion-drill", audience: "orion-drill" },
    logLevel: "silent",
  });
  const steps: DrillStep[] = [];
  const created: string[] = [];
  const step = async (name: string, run: () => Promise<string>) => {
    const t0 = performance.now();
    try {
      steps.push({ name, ok: true, detail: await run(), ms: Math.round(performance.now() - t0) });
    } catch (err) {
      steps.push({ name, ok: false, detail: (err as Error).message, ms: Math.round(performance.now() - t0) });
    }
  };
  const call = async (method: "POST" | "GET", url: string, token?: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, json: () => res.json() as Record<string, unknown> };
  };
  const seen: ControlState[] = [];
  const stopWatching = await watcher.watch((s) => seen.push(s));
  try {
    const password = randomBytes(18).toString("base64url");
    const login = async (role: "operator" | "trader") => {
      const email = `drill-${role}-${randomBytes(4).toString("hex")}@drill.invalid`;
      const { user, totpSecret } = await users.create({ email, role, password });
      created.push(user.id);
      const r = await call("POST", "/auth/login", undefined, {
        email,
        password,
        totp: totpCode(totpSecret as string, new Date()),
      });
      if (r.status !== 200) throw new Error(`${role} login failed with ${r.status}`);
      return r.json() as { accessToken: string; refreshToken: string };
    };
    let operator = { accessToken: "", refreshToken: "" };
    let trader = { accessToken: "", refreshToken: "" };

    await step("setup: live platform, operator and trader logged in", async () => {
      const s = await control.read();
      await control.switchMode("live", s.version, "drill-setup");
      [operator, trader] = [await login("operator"), await login("trader")];
      const n = ordersFor(await control.read(), "before");
      if (n !== 1) throw new Error(`the probe opportunity should be ordered while live, got ${n} orders`);
      return "live; the orchestrator orders the probe opportunity";
    });
    await step("1. engage the kill switch (POST /killswitch)", async () => {
      const r = await call("POST", "/killswitch", operator.accessToken, {
        engaged: true,
        reason: "emergency shutdown drill",
      });
      if (r.status !== 200) throw new Error(`POST /killswitch answered ${r.status}`);
      return "engaged";
    });
    await step("2. switch to sim (POST /mode/switch)", async () => {
      const r = await call("POST", "/mode/switch", operator.accessToken, {
        target: "sim",
        reason: "emergency shutdown drill",
        confirm: CONFIRM_PHRASES.sim,
      });
      if (r.status !== 200) throw new Error(`POST /mode/switch answered ${r.status}`);
      return `mode ${String(r.json().mode)}, epoch ${String(r.json().epoch)}`;
    });
    await step("3. revoke every session (POST /auth/sessions/revoke-all)", async () => {
      const r = await call("POST", "/auth/sessions/revoke-all", operator.accessToken);
      if (r.status !== 200) throw new Error(`revoke-all answered ${r.status}`);
      return `${String(r.json().revoked)} sessions revoked`;
    });
    await step("check: every service notified (pub/sub)", async () => {
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline) {
        const last = seen.at(-1);
        if (last?.killSwitch.engaged && last.mode === "sim") return `watcher saw ${seen.length} changes`;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("a watching service did not see kill switch + sim within 2 s");
    });
    await step("check: no order is placed afterwards", async () => {
      const state = await control.read();
      if (!state.killSwitch.engaged || state.mode !== "sim")
        throw new Error(`state is ${state.mode}, kill switch ${state.killSwitch.engaged}`);
      const n = ordersFor(state, "after");
      if (n !== 0) throw new Error(`the orchestrator still placed ${n} orders`);
      return "the orchestrator refuses the probe opportunity (kill-switch)";
    });
    await step("check: old tokens no longer work", async () => {
      for (const t of [operator, trader]) {
        if ((await call("GET", "/mode/status", t.accessToken)).status !== 401)
          throw new Error("an access token still works");
        if ((await call("POST", "/auth/refresh", undefined, { refreshToken: t.refreshToken })).status !== 401) {
          throw new Error("a refresh token still works");
        }
      }
      return "access and refresh tokens of every session refused";
    });
  } finally {
    await stopWatching();
    await app.close();
    await watcher.close();
    await control.close();
    for (const id of created) await users.erase(id, new Date());
    const keys = await deps.redis.keys(`${prefix}*`);
    if (keys.length > 0) await deps.redis.del(...keys);
  }
  return { ok: steps.every((s) => s.ok), steps };
}
