/**
 * Answers that stay the same for many requests (GET /mode/status: the control state until it changes, the epoch's
 * figures for a second) serialized once. A route mints such an answer with `settled()`, a frozen deep copy, and hands
 * the same one back while nothing changed; `settledBodySerializer` validates and stringifies it the first time (the
 * zod serializer, as for every route) and returns the same bytes for it after that. Anything not minted by
 * `settled()` is serialized afresh every time.
 */
import type { FastifySerializerCompiler } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";

const minted = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A frozen deep copy of `value`, which `settledBodySerializer` serializes only once. */
export function settled<T extends object>(value: T): T {
  const copy = deepFreeze(structuredClone(value));
  minted.add(copy);
  return copy;
}

/** The zod serializer, remembering the bytes of the last settled answer (one per route and status code). */
export const settledBodySerializer: FastifySerializerCompiler<unknown> = (route) => {
  const serialize = serializerCompiler(route);
  let last: object | null = null;
  let body = "";
  return (data: unknown) => {
    if (data !== null && data === last) return body;
    const json = serialize(data);
    if (typeof data === "object" && data !== null && minted.has(data)) {
      last = data;
      body = json;
    }
    return json;
  };
};
