import { Redis, type RedisOptions } from "ioredis";
import { currentTraceCarrier, withTraceCarrier, type TraceCarrier } from "../tracing/index.ts";
import type { Bus, Handler, SubscribeOptions, Subscription, Topic } from "./types.ts";
import { DEFAULT_CLAIM_IDLE_MS } from "./types.ts";

export interface RedisBusOptions {
  /** A redis:// URL (a laptop), or ioredis options (the cloud: Memorystore's TLS with its CA, and AUTH). */
  url: string | RedisOptions;
  keyPrefix?: string;
  /** A message pending this long with a consumer that stopped acknowledging is claimed by another. */
  claimIdleMs?: number;
  /** Longest wait of one blocking read; bounds how quickly stop() returns. */
  blockMs?: number;
  /** How long a group remembers handled keys (idempotency window). */
  doneTtlSeconds?: number;
  /** Approximate stream length kept; older entries are trimmed. */
  maxLen?: number;
  onError?: (err: unknown, topic: string) => void;
}

type Entry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: Entry[]][] | null;

/**
 * Redis Streams with consumer groups: at-least-once delivery. A message is acknowledged only after its handler
 * succeeded (or its key was already handled), so a consumer that dies mid-message leaves it pending, and any live
 * consumer of the group claims it once it has been idle for claimIdleMs (XAUTOCLAIM). Handled keys are remembered
 * per group in Redis, so a redelivered message does not run its handler twice.
 */
export function createRedisBus(opts: RedisBusOptions): Bus {
  const prefix = opts.keyPrefix ?? "orion:";
  const claimIdleMs = opts.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
  const blockMs = opts.blockMs ?? 1_000;
  const doneTtl = opts.doneTtlSeconds ?? 86_400;
  const maxLen = opts.maxLen ?? 100_000;
  const onError = opts.onError ?? (() => undefined);
  const redisOptions = { maxRetriesPerRequest: 2, connectTimeout: 2_000 };
  const connect = () =>
    typeof opts.url === "string" ? new Redis(opts.url, redisOptions) : new Redis({ ...opts.url, ...redisOptions });
  const writer = connect();
  writer.on("error", () => undefined);
  const subscriptions = new Set<Subscription>();
  const stream = (topic: string) => `${prefix}bus:${topic}`;

  /** The trace context a message carried, if any; a malformed one is ignored (the message still runs). */
  function traceOf(fields: string[]): TraceCarrier | undefined {
    const i = fields.indexOf("t");
    if (i < 0 || i % 2 === 1) return undefined;
    try {
      const parsed = JSON.parse(fields[i + 1] ?? "{}") as unknown;
      if (typeof parsed !== "object" || parsed === null) return undefined;
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as TraceCarrier;
    } catch {
      return undefined;
    }
  }

  async function ensureGroup(key: string, group: string): Promise<void> {
    try {
      // "$" would skip messages published before the first consumer started; a group begins at the stream's start.
      await writer.xgroup("CREATE", key, group, "0", "MKSTREAM");
    } catch (err) {
      if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
    }
  }

  return {
    async publish<T, W>(topic: Topic<T, W>, value: T) {
      const body = JSON.stringify(topic.encode(value));
      // The publisher's trace context rides beside the message ("t"), so the consumer's spans join its trace.
      const trace = currentTraceCarrier();
      const traced = Object.keys(trace).length > 0 ? ["t", JSON.stringify(trace)] : [];
      await writer.xadd(stream(topic.name), "MAXLEN", "~", String(maxLen), "*", "m", body, ...traced);
    },

    async subscribe<T, W>(topic: Topic<T, W>, so: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      const key = stream(topic.name);
      const doneKey = (k: string) => `${prefix}bus:done:${topic.name}:${so.group}:${k}`;
      await ensureGroup(key, so.group);
      const reader = connect();
      reader.on("error", () => undefined);
      let running = true;

      async function handle(entry: Entry, fresh: boolean): Promise<void> {
        const [id, fields] = entry;
        const body = fields[fields.indexOf("m") + 1];
        let value: T;
        try {
          value = topic.schema.parse(JSON.parse(body ?? "null"));
        } catch (err) {
          // A malformed message can never succeed; acknowledge it so it does not block the group forever.
          onError(new Error(`${topic.name} ${id}: malformed message dropped: ${(err as Error).message}`), topic.name);
          await writer.xack(key, so.group, id);
          return;
        }
        const k = topic.key(value);
        if ((await writer.exists(doneKey(k))) === 0) {
          const attempt = fresh ? 1 : await deliveries(id);
          await withTraceCarrier(traceOf(fields), () => handler(value, { id, attempt }));
          await writer.set(doneKey(k), "1", "EX", doneTtl);
        }
        await writer.xack(key, so.group, id);
      }

      async function deliveries(id: string): Promise<number> {
        const pending = (await writer.xpending(key, so.group, id, id, 1)) as [string, string, number, number][];
        return pending[0]?.[3] ?? 1;
      }

      async function handleAll(entries: Entry[], fresh: boolean): Promise<void> {
        for (const e of entries) {
          try {
            await handle(e, fresh);
          } catch (err) {
            // Left pending: redelivered to this group after claimIdleMs.
            onError(err, topic.name);
          }
        }
      }

      async function claimStale(): Promise<void> {
        const res = (await reader.xautoclaim(key, so.group, so.consumer, claimIdleMs, "0-0", "COUNT", 100)) as [
          string,
          Entry[],
        ];
        await handleAll(
          res[1].filter((e) => e[1] !== null),
          false,
        );
      }

      const loop = (async () => {
        let lastClaim = 0;
        while (running) {
          try {
            if (Date.now() - lastClaim >= Math.min(claimIdleMs, 1_000)) {
              lastClaim = Date.now();
              await claimStale();
            }
            const res = (await reader.xreadgroup(
              "GROUP",
              so.group,
              so.consumer,
              "COUNT",
              100,
              "BLOCK",
              blockMs,
              "STREAMS",
              key,
              ">",
            )) as ReadReply;
            for (const [, entries] of res ?? []) await handleAll(entries, true);
          } catch (err) {
            if (!running) break;
            onError(err, topic.name);
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      })();

      const sub: Subscription = {
        async stop() {
          running = false;
          subscriptions.delete(sub);
          // A blocked XREADGROUP holds the connection; disconnecting ends it at once.
          reader.disconnect();
          await loop;
        },
      };
      subscriptions.add(sub);
      return sub;
    },

    async unfinished(topic, group) {
      const key = stream(topic.name);
      let groups: unknown[][];
      try {
        groups = (await writer.xinfo("GROUPS", key)) as unknown[][];
      } catch (err) {
        // No stream: nothing was ever published to the topic.
        if (String((err as Error).message).includes("no such key")) return 0;
        throw err;
      }
      const info = groups.map(fieldsOf).find((g) => g.name === group);
      // A group not created yet has read nothing: the whole stream is ahead of it.
      if (!info) return writer.xlen(key);
      const pending = Number(info.pending);
      if (typeof info.lag === "number") return pending + info.lag;
      // Redis cannot count the lag (entries trimmed or deleted): whether anything is unread at all still shows.
      const last = fieldsOf((await writer.xinfo("STREAM", key)) as unknown[])["last-generated-id"];
      return pending + (last === info["last-delivered-id"] ? 0 : 1);
    },

    async close() {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await writer.quit().catch(() => writer.disconnect());
    },
  };
}

/** XINFO's flat [name, value, name, value, ...] reply as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
