import { RecentKeys } from "./recent-keys.ts";
import type { Bus, Handler, SubscribeOptions, Subscription, Topic } from "./types.ts";

interface Group {
  handlers: Handler<unknown>[];
  next: number;
  done: RecentKeys;
  chain: Promise<void>;
  onError: (err: unknown) => void;
}

/**
 * The bus of a single-process run: the same delivery contract as Redis Streams (each group sees every message once,
 * in order, one consumer at a time; idempotent by key), without a server. Messages still pass through encode and
 * the schema, so a type that would not survive Redis fails here too.
 */
export function createMemoryBus(onError: (err: unknown, topic: string) => void = () => undefined): Bus {
  const groups = new Map<string, Map<string, Group>>();

  return {
    async publish<T, W>(topic: Topic<T, W>, value: T) {
      const wire = JSON.parse(JSON.stringify(topic.encode(value))) as W;
      for (const g of groups.get(topic.name)?.values() ?? []) {
        const handler = g.handlers[g.next++ % g.handlers.length];
        if (!handler) continue;
        g.chain = g.chain
          .then(async () => {
            const parsed = topic.schema.parse(wire);
            const key = topic.key(parsed);
            if (g.done.has(key)) return;
            await handler(parsed, { id: key, attempt: 1 });
            g.done.add(key);
          })
          .catch(g.onError);
      }
    },

    async subscribe<T, W>(topic: Topic<T, W>, opts: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      let byGroup = groups.get(topic.name);
      if (!byGroup) groups.set(topic.name, (byGroup = new Map()));
      let g = byGroup.get(opts.group);
      if (!g) {
        g = {
          handlers: [],
          next: 0,
          done: new RecentKeys(),
          chain: Promise.resolve(),
          onError: (e) => onError(e, topic.name),
        };
        byGroup.set(opts.group, g);
      }
      const h = handler as Handler<unknown>;
      g.handlers.push(h);
      const group = g;
      return {
        async stop() {
          group.handlers = group.handlers.filter((x) => x !== h);
          await group.chain;
        },
      };
    },

    async close() {
      const pending = [...groups.values()].flatMap((m) => [...m.values()].map((g) => g.chain));
      await Promise.all(pending);
      groups.clear();
    },
  };
}
