import { Redis, type RedisOptions } from "ioredis";
import { initialControlState } from "./defaults.ts";
import { log } from "./log.ts";
import { controlStateSchema, controlStateToWire, validateRiskLimits } from "./schema.ts";
import { killSwitchTransition, riskLimitsTransition, switchModeTransition } from "./transitions.ts";
import {
  ControlStoreUnavailable,
  VersionConflict,
  type ControlState,
  type ControlStore,
  type Mode,
  type RiskLimits,
} from "./types.ts";

/**
 * Compare-and-set in one Lua script, so the version check, the write and the notification are atomic: a reader
 * never sees a state that was not announced, and two writers holding the same version cannot both win.
 * KEYS: state hash, channel. ARGV: expected version ("0" = must not exist), new version, new state JSON, actor.
 */
const CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then return current end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'state', ARGV[3], 'updatedBy', ARGV[4], 'updatedAt', ARGV[5])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 'ok'
`;

/** Bounds how long a read may take before the caller treats the store as down and halts. */
const COMMAND_TIMEOUT_MS = 1_000;

type CasRedis = Redis & {
  controlCas(
    key: string,
    channel: string,
    expected: string,
    next: string,
    state: string,
    actor: string,
    at: string,
  ): Promise<string>;
};

function connect(target: string | RedisOptions): CasRedis {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const redis = (
    typeof target === "string" ? new Redis(target, options) : new Redis({ ...target, ...options })
  ) as CasRedis;
  // Connection errors surface as rejected commands (ControlStoreUnavailable); the event itself needs no handler.
  redis.on("error", () => undefined);
  redis.defineCommand("controlCas", { numberOfKeys: 2, lua: CAS_SCRIPT });
  return redis;
}

function decode(json: string): ControlState {
  return controlStateSchema.parse(JSON.parse(json));
}

/**
 * `url` is a redis:// URL, or ioredis options (TLS and AUTH for a Memorystore in another region); the timeouts and
 * retry policy above are the store's own either way.
 */
export function createRedisControlStore(opts: {
  url: string | RedisOptions;
  keyPrefix?: string;
  /** Stamps each change (`since`, the kill switch's `at`, the audit entry); tests pass their own. */
  clock?: () => Date;
}): ControlStore {
  const clock = opts.clock ?? (() => new Date());
  const prefix = opts.keyPrefix ?? "orion:";
  const key = `${prefix}control:state`;
  const channel = `${prefix}control:changes`;
  const redis = connect(opts.url);
  const subscribers = new Set<Redis>();

  async function unavailable<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof VersionConflict) throw err;
      throw new ControlStoreUnavailable(`control store ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes `next` only if the stored version is still `expected`; returns the stored version when it is not. */
  async function cas(expected: number, next: ControlState, actor: string): Promise<number | null> {
    const json = JSON.stringify(controlStateToWire(next));
    const at = clock().toISOString();
    const res = await redis.controlCas(key, channel, String(expected), String(next.version), json, actor, at);
    return res === "ok" ? null : Number(res);
  }

  async function readState(): Promise<ControlState> {
    for (;;) {
      const json = await redis.hget(key, "state");
      if (json !== null) return decode(json);
      // First reader of an empty store writes the safe initial state; a concurrent first reader may win instead.
      const initial = initialControlState(clock());
      if ((await cas(0, initial, "init")) === null) return initial;
    }
  }

  async function update(
    actor: string,
    change: string,
    expectedVersion: number | null,
    transition: (s: ControlState) => ControlState | null,
  ): Promise<ControlState> {
    for (;;) {
      const current = await readState();
      if (expectedVersion !== null && current.version !== expectedVersion) {
        throw new VersionConflict(expectedVersion, current.version);
      }
      const next = transition(current);
      if (next === null) return current;
      const lost = await cas(current.version, next, actor);
      if (lost === null) {
        log.info({ actor, change, version: next.version, mode: next.mode, epoch: next.epoch }, "control state changed");
        return next;
      }
      if (expectedVersion !== null) throw new VersionConflict(expectedVersion, lost);
      // Unversioned writes (the kill switch) retry on the fresh state: an operator's stop must not fail on a race.
    }
  }

  return {
    read: () => unavailable("read", readState),
    switchMode: (target: Mode, expectedVersion: number, actor: string) =>
      unavailable("switchMode", () =>
        update(actor, `mode -> ${target}`, expectedVersion, (s) => switchModeTransition(s, target, clock())),
      ),
    setKillSwitch: (engaged: boolean, reason: string, actor: string) =>
      unavailable("setKillSwitch", () =>
        update(actor, `kill switch -> ${engaged}`, null, (s) => killSwitchTransition(s, engaged, reason, clock())),
      ),
    async setRiskLimits(limits: RiskLimits, expectedVersion: number, actor: string) {
      // Invalid limits are the caller's error (a ZodError), checked before the store is involved.
      const valid = validateRiskLimits(limits);
      return unavailable("setRiskLimits", () =>
        update(actor, "risk limits", expectedVersion, (s) => riskLimitsTransition(s, valid)),
      );
    },
    async watch(listener) {
      const sub = redis.duplicate();
      sub.on("error", () => undefined);
      subscribers.add(sub);
      sub.on("message", (ch: string, message: string) => {
        if (ch !== channel) return;
        try {
          listener(decode(message));
        } catch (err) {
          log.error({ err }, "ignored a malformed control notification");
        }
      });
      await unavailable("watch", () => sub.subscribe(channel));
      return async () => {
        subscribers.delete(sub);
        await sub.quit().catch(() => sub.disconnect());
      };
    },
    async close() {
      for (const sub of subscribers) sub.disconnect();
      subscribers.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
