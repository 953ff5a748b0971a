import { currentTraceCarrier, withTraceCarrier, type TraceCarrier } from "../tracing/index.ts";
import { RecentKeys } from "./recent-keys.ts";
import type { Bus, Handler, SubscribeOptions, Subscription, Topic } from "./types.ts";
import { DEFAULT_CLAIM_IDLE_MS } from "./types.ts";

export interface MemoryBusOptions {
  /** A message whose handler failed is handed to the group again after this long (the Redis bus's claimIdleMs). */
  claimIdleMs?: number;
  onError?: (err: unknown, topic: string) => void;
}

interface Consumer {
  handler: Handler<unknown>;
  /** This consumer's queue: its messages run one after another, as one Redis consumer reads its own. */
  chain: Promise<void>;
}

/** One message for one group, until a handler of the group has succeeded with it. */
interface Message {
  topic: string;
  key: string;
  value: unknown;
  trace: TraceCarrier;
  /** Deliveries so far. */
  attempts: number;
}

interface Group {
  consumers: Consumer[];
  next: number;
  done: RecentKeys;
  /** Messages handed out whose handler has not succeeded yet: running, queued, or failed and waiting. */
  unfinished: number;
  /** Messages that found no consumer (all stopped): the next consumer to subscribe takes them, as on Redis. */
  waiting: Message[];
}

/**
 * The bus of a single-process run: the same delivery contract as Redis Streams (each group sees every message once,
 * spread over its consumers, each consumer in order; idempotent by key; at-least-once), without a server. A message
 * whose handler throws stays the group's and is handed again after claimIdleMs, to the group's next consumer, with
 * its attempt counted, until a handler succeeds: `orion dev` loses no more than the cloud does. Messages still pass
 * through encode and the schema, so a type that would not survive Redis fails here too.
 */
export function createMemoryBus(opts: MemoryBusOptions = {}): Bus {
  const claimIdleMs = opts.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
  const onError = opts.onError ?? (() => undefined);
  const groups = new Map<string, Map<string, Group>>();
  const retries = new Set<NodeJS.Timeout>();
  let closed = false;
  const all = () => [...groups.values()].flatMap((m) => [...m.values()].flatMap((g) => g.consumers));

  function deliver(g: Group, m: Message): void {
    const consumer = g.consumers[g.next++ % g.consumers.length];
    if (!consumer) {
      g.waiting.push(m);
      return;
    }
    const delivery = { id: m.key, attempt: ++m.attempts };
    consumer.chain = consumer.chain
      .then(() => withTraceCarrier(m.trace, () => consumer.handler(m.value, delivery)))
      .then(
        () => void g.unfinished--,
        (err: unknown) => {
          onError(err, m.topic);
          if (closed) return;
          // The key stays claimed: a copy published meanwhile is not run beside this one.
          const timer = setTimeout(() => {
            retries.delete(timer);
            deliver(g, m);
          }, claimIdleMs);
          // Held in this process only, the message cannot outlive it: the wait must not keep the process alive.
          timer.unref();
          retries.add(timer);
        },
      );
  }

  return {
    async publish<T, W>(topic: Topic<T, W>, value: T) {
      const parsed = topic.schema.parse(JSON.parse(JSON.stringify(topic.encode(value))));
      const key = topic.key(parsed);
      const trace = currentTraceCarrier();
      for (const g of groups.get(topic.name)?.values() ?? []) {
        // Claimed at dispatch, so a duplicate published meanwhile cannot reach another consumer of the group.
        if (g.done.has(key)) continue;
        g.done.add(key);
        g.unfinished++;
        deliver(g, { topic: topic.name, key, value: parsed, trace, attempts: 0 });
      }
    },

    async subscribe<T, W>(topic: Topic<T, W>, opts: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      let byGroup = groups.get(topic.name);
      if (!byGroup) groups.set(topic.name, (byGroup = new Map()));
      let g = byGroup.get(opts.group);
      if (!g)
        byGroup.set(opts.group, (g = { consumers: [], next: 0, done: new RecentKeys(), unfinished: 0, waiting: [] }));
      const consumer: Consumer = { handler: handler as Handler<unknown>, chain: Promise.resolve() };
      g.consumers.push(consumer);
      const group = g;
      for (const m of group.waiting.splice(0)) deliver(group, m);
      return {
        async stop() {
          group.consumers = group.consumers.filter((c) => c !== consumer);
          await consumer.chain;
        },
      };
    },

    // A group subscribes before anything is published to it here (no stream keeps messages for a later group).
    async unfinished(topic, group) {
      return groups.get(topic.name)?.get(group)?.unfinished ?? 0;
    },

    async close() {
      closed = true;
      for (const t of retries) clearTimeout(t);
      retries.clear();
      await Promise.all(all().map((c) => c.chain));
      groups.clear();
    },
  };
}
