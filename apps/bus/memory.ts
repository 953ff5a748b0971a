import { currentTraceCarrier, withTraceCarrier } from "../tracing/index.ts";
import { RecentKeys } from "./recent-keys.ts";
import type { Bus, Handler, SubscribeOptions, Subscription, Topic } from "./types.ts";

interface Consumer {
  handler: Handler<unknown>;
  /** This consumer's queue: its messages run one after another, as one Redis consumer reads its own. */
  chain: Promise<void>;
}

interface Group {
  consumers: Consumer[];
  next: number;
  done: RecentKeys;
  /** Messages dispatched to a consumer whose handler has not returned yet. */
  running: number;
}

/**
 * The bus of a single-process run: the same delivery contract as Redis Streams (each group sees every message once,
 * spread over its consumers, each consumer in order; idempotent by key), without a server. Messages still pass
 * through encode and the schema, so a type that would not survive Redis fails here too.
 */
export function createMemoryBus(onError: (err: unknown, topic: string) => void = () => undefined): Bus {
  const groups = new Map<string, Map<string, Group>>();
  const all = () => [...groups.values()].flatMap((m) => [...m.values()].flatMap((g) => g.consumers));

  return {
    async publish<T, W>(topic: Topic<T, W>, value: T) {
      const parsed = topic.schema.parse(JSON.parse(JSON.stringify(topic.encode(value))));
      const key = topic.key(parsed);
      const trace = currentTraceCarrier();
      for (const g of groups.get(topic.name)?.values() ?? []) {
        const consumer = g.consumers[g.next++ % g.consumers.length];
        // Claimed at dispatch, so a duplicate published meanwhile cannot reach another consumer of the group.
        if (!consumer || g.done.has(key)) continue;
        g.done.add(key);
        g.running++;
        consumer.chain = consumer.chain
          .then(() => withTraceCarrier(trace, () => consumer.handler(parsed, { id: key, attempt: 1 })))
          .catch((err: unknown) => onError(err, topic.name))
          .finally(() => g.running--);
      }
    },

    async subscribe<T, W>(topic: Topic<T, W>, opts: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      let byGroup = groups.get(topic.name);
      if (!byGroup) groups.set(topic.name, (byGroup = new Map()));
      let g = byGroup.get(opts.group);
      if (!g) byGroup.set(opts.group, (g = { consumers: [], next: 0, done: new RecentKeys(), running: 0 }));
      const consumer: Consumer = { handler: handler as Handler<unknown>, chain: Promise.resolve() };
      g.consumers.push(consumer);
      const group = g;
      return {
        async stop() {
          group.consumers = group.consumers.filter((c) => c !== consumer);
          await consumer.chain;
        },
      };
    },

    // A group subscribes before anything is published to it here (no stream keeps messages for a later group).
    async unfinished(topic, group) {
      return groups.get(topic.name)?.get(group)?.running ?? 0;
    },

    async close() {
      await Promise.all(all().map((c) => c.chain));
      groups.clear();
    },
  };
}
