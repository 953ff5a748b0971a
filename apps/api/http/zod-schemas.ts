import type { FastifySchema, FastifySchemaValidationError, RouteOptions } from "fastify";
import { $ZodType } from "zod/v4/core";

/** The parts of a route schema that fastify validates or serializes with the zod compilers. */
const REQUEST_PARTS = ["params", "querystring", "body", "headers"] as const;

type RouteSchema = FastifySchema & { hide?: boolean };

/**
 * What a route lacks to be described by zod alone: each request part and each response a zod schema; and, for a
 * route the OpenAPI document lists, a params schema when its path has parameters, a body schema when its method
 * takes one, a success response and the problem responses. Hidden routes (health, metrics, static assets, the
 * document itself) need nothing, but whatever they declare must be zod too: the validator compiler runs zod and
 * would fail at request time on a JSON Schema. Empty when the route is complete.
 */
export function zodSchemaGaps(route: Pick<RouteOptions, "method" | "url"> & { schema?: RouteSchema }): string[] {
  const schema = route.schema ?? {};
  const gaps: string[] = [];
  for (const part of REQUEST_PARTS) {
    if (schema[part] !== undefined && !(schema[part] instanceof $ZodType)) gaps.push(`${part} is not a zod schema`);
  }
  const responses = (schema.response ?? {}) as Record<string, unknown>;
  for (const [status, response] of Object.entries(responses)) {
    if (!(response instanceof $ZodType)) gaps.push(`response ${status} is not a zod schema`);
  }
  if (schema.hide === true) return gaps;
  const methods = [route.method].flat();
  if (/[:*]/.test(route.url) && schema.params === undefined) gaps.push("no params schema for a path with parameters");
  if (methods.some((m) => m === "POST" || m === "PUT" || m === "PATCH") && schema.body === undefined)
    gaps.push("no body schema");
  if (!Object.keys(responses).some((status) => /^2(\d\d|xx)$/.test(status))) gaps.push("no success response schema");
  for (const status of ["4xx", "5xx"]) if (!(status in responses)) gaps.push(`no ${status} problem response`);
  return gaps;
}

/** onRoute hook: a route that lacks a zod schema is a startup error naming the route, not a gap in the document. */
export function requireZodSchemas(route: RouteOptions): void {
  const gaps = zodSchemaGaps(route);
  if (gaps.length > 0) {
    throw new Error(`route ${[route.method].flat().join(",")} ${route.url}: ${gaps.join("; ")}`);
  }
}

interface ZodIssueLike {
  path?: PropertyKey[];
  message?: string;
  code?: string;
  errors?: ZodIssueLike[][];
}

/**
 * The first validation failure as one line naming the field: "body/email: must be an email address". For a union
 * (a document that may take one of several shapes), the branch that came closest (fewest issues) is reported, so
 * the answer names the field that is wrong rather than "Invalid input".
 */
export function validationDetail(context: string, failures: FastifySchemaValidationError[]): string {
  const first = failures[0];
  if (!first) return `${context} is invalid`;
  let path = first.instancePath.split("/").filter((p) => p !== "");
  let issue: ZodIssueLike = { code: first.keyword, message: first.message, errors: first.params.errors as never };
  while (issue.code === "invalid_union" && Array.isArray(issue.errors) && issue.errors.length > 0) {
    const branch = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    const next = branch[0];
    if (!next) break;
    path = [...path, ...(next.path ?? []).map(String)];
    issue = next;
  }
  return `${[context, ...path].join("/")}: ${issue.message ?? "is invalid"}`;
}
