import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod/v4";
import { zodSchemaGaps, validationDetail } from "./http/zod-schemas.ts";
import { problemResponses } from "./routes/deps.ts";
import { ApiHarness, expectProblem } from "./testing/harness.ts";

/**
 * Issue #13 item 5: one zod schema per route part, for validation, types, serialization and the OpenAPI document.
 * The API refuses to start with a route that lacks one; these tests hold that check and the document to it.
 */

const ok = z.object({ ok: z.boolean() });
const complete = {
  method: "POST",
  url: "/things/:id",
  schema: {
    params: z.strictObject({ id: z.uuid() }),
    body: z.strictObject({ name: z.string() }),
    response: { 200: ok, ...problemResponses },
  },
};

describe("zodSchemaGaps", () => {
  it("finds nothing missing in a route described by zod alone", () => {
    expect(zodSchemaGaps(complete)).toEqual([]);
  });

  it.each([
    ["a JSON Schema body", { body: { type: "object" } }, "body is not a zod schema"],
    ["a JSON Schema querystring", { querystring: { type: "object" } }, "querystring is not a zod schema"],
    ["a JSON Schema response", { response: { ...complete.schema.response, 200: { type: "object" } } }, "response 200"],
    ["no params schema for :id", { params: undefined }, "no params schema"],
    ["no body schema on a POST", { body: undefined }, "no body schema"],
    ["no success response", { response: problemResponses }, "no success response schema"],
    ["no problem responses", { response: { 200: ok } }, "no 4xx problem response"],
  ])("names %s", (_what, change, gap) => {
    const gaps = zodSchemaGaps({ ...complete, schema: { ...complete.schema, ...change } });
    expect(gaps.join("; ")).toContain(gap);
  });

  it("lets hidden routes declare nothing, but nothing that is not zod", () => {
    expect(zodSchemaGaps({ method: "GET", url: "/healthz", schema: { hide: true } })).toEqual([]);
    expect(zodSchemaGaps({ method: "GET", url: "/healthz", schema: { hide: true, response: { 200: {} } } })).toEqual([
      "response 200 is not a zod schema",
    ]);
  });
});

describe("validationDetail", () => {
  it("names the field, and inside a union the branch that came closest", () => {
    const union = z.union([z.strictObject({ jws: z.string() }), z.looseObject({ summary: z.object({ n: z.int() }) })]);
    const issue = union.safeParse({ summary: { n: "1" } }).error?.issues[0];
    const failure = {
      keyword: "invalid_union",
      instancePath: "/",
      schemaPath: "#//invalid_union",
      message: issue?.message,
      params: { errors: (issue as { errors?: unknown }).errors },
    };
    expect(validationDetail("body", [failure])).toBe("body/summary/n: Invalid input: expected number, received string");
    expect(
      validationDetail("querystring", [
        { keyword: "x", instancePath: "/from", schemaPath: "", params: {}, message: "m" },
      ]),
    ).toBe("querystring/from: m");
  });
});

describe("the API's routes", () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await ApiHarness.start();
  }, 60_000);
  afterAll(async () => h?.close());

  it("will not start with a route that has a JSON Schema instead of a zod one", async () => {
    const app = await h.unreadyInstance();
    try {
      expect(() =>
        app.post("/not-zod", { schema: { body: { type: "object" }, response: problemResponses } }, async () => ({})),
      ).toThrow("route POST /not-zod: body is not a zod schema; no success response schema");
    } finally {
      await app.close();
    }
  });

  it("are each in the OpenAPI document with their request parts, a success answer and problem answers", async () => {
    type Op = {
      parameters?: { name: string; in: string }[];
      requestBody?: { content: Record<string, { schema: unknown }> };
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    const doc = (await h.request("GET", "/docs/json")).json() as {
      paths: Record<string, Record<string, Op>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.components.schemas.Problem).toMatchObject({ required: ["type", "title", "status", "detail"] });
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(30);
    for (const { path, method, op } of ops) {
      const what = `${method.toUpperCase()} ${path}`;
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        expect(
          op.parameters?.map((p) => `{${p.name}}`),
          what,
        ).toContain(name);
      }
      if (method === "post" || method === "put") expect(op.requestBody, what).toBeDefined();
      const success = Object.keys(op.responses).filter((s) => s.startsWith("2"));
      expect(success.length, what).toBeGreaterThan(0);
      for (const s of success.filter((s) => s !== "204"))
        expect(Object.values(op.responses[s]?.content ?? {})[0]?.schema, `${what} ${s}`).toBeDefined();
      for (const s of ["4XX", "5XX"]) {
        expect(JSON.stringify(op.responses[s]?.content), `${what} ${s}`).toContain("#/components/schemas/Problem");
      }
    }
  });

  it("answer a body that breaks the schema with a problem naming the field", async () => {
    const res = await h.request("POST", "/auth/login", { body: { email: "not-an-address", password: "x" } });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: "urn:alpha-orion:problem:validation",
      detail: "body/email: must be an email address",
    });
    const extra = await h.request("POST", "/auth/login", { body: { email: "a@example.com", password: "x", x: 1 } });
    expect(extra.json()).toMatchObject({ detail: 'body: Unrecognized key: "x"' });
  });

  // The route schemas are zod/v4; the directory's are zod 3 and the report contract's zod/v4. A handler that catches
  // the other flavour's ZodError lets the error through as a 500: each flavour's refusal must stay a 400.
  it("answers what the directory's zod 3 schemas refuse after the route's accepted it with a 400, not a 500", async () => {
    const admin = await h.login(await h.createUser("admin"));
    const compliance = await h.login(await h.createUser("compliance"));
    // "%" passes the route's address pattern; the directory's email check (zod 3) refuses it.
    const odd = "odd%address@example.com";
    const created = await h.request("POST", "/users", {
      token: admin.accessToken,
      body: { email: odd, role: "viewer", password: "correct horse battery staple" },
    });
    expect(expectProblem(created, 400)).toMatchObject({ detail: "email is not a valid address" });
    const subject = await h.createUser("viewer");
    const rectified = await h.request("POST", "/gdpr/subject-rights", {
      token: compliance.accessToken,
      body: { subject: subject.id, right: "rectification", email: odd },
    });
    expect(expectProblem(rectified, 400)).toMatchObject({ detail: "email is not a valid address" });
  });

  it("answers a signed report that breaks the report contract (zod/v4) with a 400 naming the field", async () => {
    const admin = await h.login(await h.createUser("admin"));
    const jws = await h.signReport({ generatedAt: "2026-11-30T12:00:00Z", source: { kind: "program", stack: "prod" } });
    const res = await h.request("POST", "/compliance/reports", { token: admin.accessToken, body: { jws } });
    expect(expectProblem(res, 400)).toMatchObject({
      type: "urn:alpha-orion:problem:validation",
      detail: expect.stringMatching(/^report\.frameworks: /) as string,
    });
  });
});
