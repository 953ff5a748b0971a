import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompactSign, generateKeyPair } from "jose";
import { ApiHarness, type Tokens } from "./testing/harness.ts";

/**
 * Attack tests for "a pre-flight that cannot be fed" (issue 13, item 2). The platform runs as stack prod, whose
 * CI-signed report has mandatory violations; every way of feeding the live pre-flight a clean report instead must
 * leave its compliance check failing.
 */
let h: ApiHarness;
let compliance: Tokens;
let admin: Tokens;

function report(stack: string, mandatory: number, generatedAt = new Date()) {
  return {
    generatedAt: generatedAt.toISOString(),
    source: { kind: "program", stack, file: null },
    frameworks: ["soc2"],
    summary: { resources: 1, controls: 1, violations: mandatory, mandatory, advisory: 0 },
    controls: [{ id: "SQL-001", status: mandatory ? "fail" : "pass" }],
    violations: Array.from({ length: mandatory }, () => ({ control: "SQL-001", enforcementLevel: "mandatory" })),
  };
}

async function post(body: unknown) {
  return h.request("POST", "/compliance/reports", { token: compliance.accessToken, body });
}

async function complianceCheck() {
  const res = await h.request("POST", "/mode/validate", { token: admin.accessToken, body: { target: "live" } });
  expect(res.statusCode, res.body).toBe(200);
  const checks = (res.json() as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
  return checks.find((c) => c.name === "compliance");
}

beforeAll(async () => {
  h = await ApiHarness.start();
  compliance = await h.login(await h.createUser("compliance"));
  admin = await h.login(await h.createUser("admin"));
  expect((await post({ jws: await h.signReport(report("prod", 2)) })).statusCode).toBe(201);
});
afterAll(async () => h.close());

describe("the live pre-flight reads CI's signed report of the platform's own stack", () => {
  it("a clean report for dev does not unlock live while prod's has mandatory violations", async () => {
    expect((await post({ jws: await h.signReport(report("dev", 0)) })).statusCode).toBe(201);
    expect((await post(report("dev", 0))).statusCode).toBe(201);
    expect(await complianceCheck()).toMatchObject({ ok: false, detail: expect.stringMatching(/prod.*2 mandatory/) });
  });

  it("an unsigned clean report for prod counts for nothing", async () => {
    expect((await post(report("prod", 0))).statusCode).toBe(201);
    expect(await complianceCheck()).toMatchObject({ ok: false, detail: expect.stringMatching(/2 mandatory/) });
  });

  it("a report signed by any other key is refused, and a row forged into the table does not verify", async () => {
    const other = await generateKeyPair("EdDSA");
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(report("prod", 0))))
      .setProtectedHeader({ alg: "EdDSA" })
      .sign(other.privateKey);
    expect((await post({ jws: forged })).statusCode).toBe(400);
    await h.pool.query(
      `INSERT INTO compliance_reports (stack, generated_at, mandatory, report, jws) VALUES ('prod', now(), 0, '{}', $1)`,
      [forged],
    );
    expect(await complianceCheck()).toMatchObject({ ok: false, detail: expect.stringMatching(/signature/) });
  });

  it("a signed clean report for prod older than the configured age does not count; a fresh one does", async () => {
    const old = new Date(h.now().getTime() - 2 * 86_400_000);
    expect((await post({ jws: await h.signReport(report("prod", 0, old)) })).statusCode).toBe(201);
    expect(await complianceCheck()).toMatchObject({ ok: false, detail: expect.stringMatching(/older than/) });
    expect((await post({ jws: await h.signReport(report("prod", 0, h.now())) })).statusCode).toBe(201);
    expect(await complianceCheck()).toMatchObject({ ok: true });
  });
});
