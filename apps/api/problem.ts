import type { FastifyReply } from "fastify";
import { z } from "zod/v4";

/**
 * RFC 9457 problem details. `type` is a stable URN per kind of problem so clients can branch on it; `detail` is
 * written for a human and never carries a stack trace, a secret or internal identifiers.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  423: "Locked",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Thrown by handlers; the error handler renders it as problem+json. */
export class ProblemError extends Error {
  readonly status: number;
  readonly slug: string;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, slug: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.extensions = extensions;
  }
}

export function problem(
  status: number,
  slug: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    ...extensions,
    type: `urn:alpha-orion:problem:${slug}`,
    title: TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

/**
 * The shape of every error response, for the OpenAPI document and the serializer. Loose: a problem may carry
 * extensions (a failed pre-flight names its checks), which must reach the client.
 */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  // Registered by id: the document lists it once under components and every error response refers to it.
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)" });
