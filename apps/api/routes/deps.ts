import { z } from "zod/v4";
import { MIN_PASSWORD_LENGTH, roleSchema } from "../../identity/index.ts";
import { ADDRESS_PATTERN, modeSchema, UINT_PATTERN } from "../../domain/index.ts";
import type { Guard } from "../auth-guard.ts";
import { ProblemError, problemSchema } from "../problem.ts";
import type { ApiContext } from "../context.ts";

/**
 * Every route's request and response shapes are zod/v4 schemas (fastify-type-provider-zod): one schema validates,
 * types the handler and describes the route in the OpenAPI document. The domain's own schemas are zod 3 and cannot
 * be embedded in these, so the values they allow (roles, modes, address and amount patterns) are taken from them.
 */

export interface RouteDeps {
  ctx: ApiContext;
  guard: Guard;
}

/** Every error response in the OpenAPI document is a problem. */
export const problemResponses = {
  "4xx": problemSchema,
  "5xx": problemSchema,
} as const;

/** Cursor pagination parameters shared by every list route. Query values are strings: no coercion happens. */
export const pageQuery = {
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "must be a cursor this API issued")
    .optional()
    .describe("opaque cursor from the previous page"),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, "must be a page size of 1..500")
    .optional()
    .describe("page size, 1..500 (default 100)"),
};

/** A page of a list: the items, and the cursor of the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * A query timestamp as a Date. The date-time format admits instants JavaScript cannot represent (an offset such as
 * +99:99), which become an Invalid Date and then a database error: they are refused here as bad input.
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
  email: z
    .string()
    .min(3)
    .max(254)
    .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, "must be an email address"),
  password: z.string().min(1).max(256),
  /** A password being set: the directory's own minimum length. */
  newPassword: z.string().min(MIN_PASSWORD_LENGTH).max(256),
  totp: z.string().regex(/^[0-9]{6}$/, "must be a 6-digit one-time code"),
  reason: z
    .string()
    .min(3)
    .max(500)
    .regex(/^(?!.*--)[^'";\\<>`]*$/, "must be plain text without quotes, semicolons, backslashes, <, > or --"),
  confirm: z
    .string()
    .max(100)
    .regex(/^[a-z ]{1,100}$/, "must be the confirmation phrase"),
  refreshToken: z.string().regex(/^[A-Za-z0-9_-]{20,128}$/, "must be a refresh token this API issued"),
  jwt: z
    .string()
    .max(8192)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, "must be a compact JWT"),
  uuid: z.uuid(),
  actor: z.string().regex(/^[A-Za-z0-9._:@-]{1,200}$/, "must be an actor id"),
  action: z.string().regex(/^[a-z0-9._-]{1,100}$/, "must be an action name"),
  role: z.enum(roleSchema.options),
  mode: z.enum(modeSchema.options),
  address: z.string().regex(ADDRESS_PATTERN, "must be a 0x-prefixed 20-byte hex address"),
  /** An amount in base units as a decimal string, at most 78 digits (the database's numeric(78, 0)). */
  amount: z.string().max(78).regex(UINT_PATTERN, "must be a non-negative integer in base units, as a decimal string"),
  /** An instant as an RFC 3339 string with an offset. */
  instant: z.iso.datetime({ offset: true }),
  stack: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a stack name"),
  epoch: z.string().regex(/^[1-9][0-9]{0,8}$/, "must be an epoch number"),
} as const;

/** Path parameters of routes on one resource by its id. */
export const idParams = z.strictObject({ id: fields.uuid });

/** For routes that take no body: none, or `{}`; anything else is refused like any unknown field. */
export const noBody = {
  schema: z.strictObject({}),
  preValidation: async (request: { body: unknown }) => {
    request.body ??= {};
  },
} as const;

/** The answer of a route that only acknowledges. */
export const noContent = z.null().describe("No Content");
