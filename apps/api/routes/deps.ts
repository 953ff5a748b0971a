import type { Guard } from "../auth-guard.ts";
import type { ApiContext } from "../context.ts";

export interface RouteDeps {
  ctx: ApiContext;
  guard: Guard;
  /** Login-type attempts per minute per IP. */
  loginRateLimit: number;
}

/** Every error response in the OpenAPI document is a problem. */
export const problemResponses = {
  "4xx": { $ref: "Problem#" },
  "5xx": { $ref: "Problem#" },
} as const;

/** Cursor pagination parameters shared by every list route. Query values are strings: no coercion happens. */
export const pageQuery = {
  cursor: { type: "string", pattern: "^[A-Za-z0-9_-]{1,200}$", description: "opaque cursor from the previous page" },
  limit: { type: "string", pattern: "^[0-9]{1,4}$", description: "page size, 1..500 (default 100)" },
} as const;

export function pageLimit(raw: string | undefined): number {
  const n = raw === undefined ? 100 : Number(raw);
  return Math.min(Math.max(n, 1), 500);
}
