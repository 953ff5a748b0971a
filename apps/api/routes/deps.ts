import type { Guard } from "../auth-guard.ts";
import { ProblemError } from "../problem.ts";
import type { ApiContext } from "../context.ts";

export interface RouteDeps {
  ctx: ApiContext;
  guard: Guard;
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

/**
 * A query timestamp as a Date. The date-time format admits instants JavaScript cannot represent (a leap second such
 * as 23:59:60), which become an Invalid Date and then a database error: they are refused here as bad input.
 */
export function instant(field: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) {
    throw new ProblemError(400, "validation", `querystring/${field} is not an instant this API can represent`);
  }
  return at;
}

export function pageLimit(raw: string | undefined): number {
  const n = raw === undefined ? 100 : Number(raw);
  return Math.min(Math.max(n, 1), 500);
}

/**
 * Field shapes shared by the routes. Everything is as narrow as its meaning allows: free text refuses quotes,
 * semicolons, backslashes, angle brackets and "--", so injection payloads fail validation instead of travelling on
 * (queries are parameterised anyway; this keeps them out of the ledger and of any downstream tool).
 */
export const fields = {
  email: { type: "string", minLength: 3, maxLength: 254, pattern: "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$" },
  password: { type: "string", minLength: 1, maxLength: 256 },
  totp: { type: "string", pattern: "^[0-9]{6}$" },
  reason: { type: "string", minLength: 3, maxLength: 500, pattern: "^(?!.*--)[^'\";\\\\<>`]*$" },
  confirm: { type: "string", maxLength: 100, pattern: "^[a-z ]{1,100}$" },
  refreshToken: { type: "string", pattern: "^[A-Za-z0-9_-]{20,128}$" },
  jwt: { type: "string", maxLength: 8192, pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$" },
  uuid: { type: "string", format: "uuid" },
  actor: { type: "string", pattern: "^[A-Za-z0-9._:@-]{1,200}$" },
  action: { type: "string", pattern: "^[a-z0-9._-]{1,100}$" },
} as const;

/** Path parameters of routes on one resource by its id. */
export const idParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: fields.uuid },
} as const;

/** For routes that take no body: none, or `{}`; anything else is refused like any unknown field. */
export const noBody = {
  schema: { type: "object", additionalProperties: false, maxProperties: 0 },
  preValidation: async (request: { body: unknown }) => {
    request.body ??= {};
  },
} as const;
