import type { z } from "zod";

/**
 * A named stream of one message type. `schema` parses the wire form (JSON: bigints as decimal strings) into the
 * value handlers see; `encode` is its inverse. `key` is the idempotency key: a message whose key a consumer group
 * has already handled is acknowledged without running the handler again.
 */
export interface Topic<T, W = unknown> {
  name: string;
  schema: z.ZodType<T, z.ZodTypeDef, W>;
  encode(value: T): W;
  key(value: T): string;
}

/**
 * How long a message whose handler failed waits before it is handed to a consumer of its group again (Redis: idle
 * time before another consumer claims it). Long enough that a failing dependency is not hammered.
 */
export const DEFAULT_CLAIM_IDLE_MS = 5_000;

export interface Delivery {
  /** Transport id of the message (the stream entry id on Redis). */
  id: string;
  /** How many times this message has been delivered to the group, 1 on first delivery. */
  attempt: number;
}

export type Handler<T> = (value: T, delivery: Delivery) => Promise<void>;

export interface Subscription {
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Consumer group: each message goes to one consumer of each group. */
  group: string;
  /** This consumer's name within the group (process id, pod name). */
  consumer: string;
}

export interface Bus {
  publish<T, W>(topic: Topic<T, W>, value: T): Promise<void>;
  subscribe<T, W>(topic: Topic<T, W>, opts: SubscribeOptions, handler: Handler<T>): Promise<Subscription>;
  /**
   * How many messages published to `topic` the group has not finished: not yet read, or read and its handler not yet
   * returned (a failed one waits for redelivery). 0 once the group has handled everything published so far.
   */
  unfinished<T, W>(topic: Topic<T, W>, group: string): Promise<number>;
  close(): Promise<void>;
}
