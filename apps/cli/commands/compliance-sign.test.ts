import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importReportKey } from "../../api/report-trust.ts";
import { ApiHarness, expectProblem } from "../../api/testing/harness.ts";
import { describeFailure, EXIT_USAGE } from "../errors.ts";
import { buildProgram } from "../program.ts";

/**
 * Issue #13 item 2: CI signs the stack's JSON report with `orion compliance sign`, posts the result, and only that
 * unlocks the live pre-flight's compliance check; a report signed by another key, or edited after signing, does not.
 */
let dir: string;
let h: ApiHarness;
const ci = generateKeyPairSync("ed25519");
const ciPrivate = ci.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ciPublic = ci.publicKey.export({ type: "spki", format: "pem" }).toString();

function report(stack: string, mandatory: number) {
  return {
    generatedAt: new Date().toISOString(),
    source: { kind: "export", stack, file: null },
    frameworks: ["soc2"],
    summary: { resources: 1, controls: 1, violations: mandatory, mandatory, advisory: 0 },
    controls: [{ id: "SQL-001", title: "t", status: mandatory ? "fail" : "pass", checked: 1, failed: mandatory }],
    violations: Array.from({ length: mandatory }, () => ({ control: "SQL-001", enforcementLevel: "mandatory" })),
  };
}

/** `orion compliance sign …` through the CLI's own argument handling; returns the exit code and its one line. */
async function orion(args: string[], env: Record<string, string> = {}): Promise<{ code: number; line: string }> {
  const saved = process.env.ORION_REPORT_SIGNING_KEY;
  if (env.ORION_REPORT_SIGNING_KEY !== undefined) process.env.ORION_REPORT_SIGNING_KEY = env.ORION_REPORT_SIGNING_KEY;
  try {
    const argv = ["node", "orion", "compliance", "sign", ...args];
    await (await buildProgram(argv)).parseAsync(argv);
    return { code: 0, line: "" };
  } catch (err) {
    return describeFailure(err);
  } finally {
    if (saved === undefined) delete process.env.ORION_REPORT_SIGNING_KEY;
    else process.env.ORION_REPORT_SIGNING_KEY = saved;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orion-sign-"));
  writeFileSync(join(dir, "ci.pem"), ciPrivate, { mode: 0o600 });
  h = await ApiHarness.start({
    reportTrust: { stack: "prod", publicKey: await importReportKey(ciPublic), maxAgeSeconds: 86_400 },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function complianceCheck(token: string) {
  const res = await h.request("POST", "/mode/validate", { token, body: { target: "live" } });
  const checks = (res.json() as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
  return checks.find((c) => c.name === "compliance");
}

describe("orion compliance sign", () => {
  it("signs a report that the API accepts and the live pre-flight trusts", async () => {
    const admin = await h.login(await h.createUser("admin"));
    const officer = await h.login(await h.createUser("compliance"));
    expect(await complianceCheck(admin.accessToken)).toMatchObject({ ok: false });

    writeFileSync(join(dir, "prod.json"), JSON.stringify(report("prod", 0)));
    const out = join(dir, "prod.signed.json");
    expect(
      await orion(["--report", join(dir, "prod.json"), "--out", out], { ORION_REPORT_SIGNING_KEY: ciPrivate }),
    ).toEqual({ code: 0, line: "" });
    const signed = JSON.parse(readFileSync(out, "utf8")) as { jws: string };
    const posted = await h.request("POST", "/compliance/reports", { token: officer.accessToken, body: signed });
    expect(posted.statusCode, posted.body).toBe(201);
    expect(posted.json()).toMatchObject({ stack: "prod", signed: true, mandatory: 0 });
    expect(await complianceCheck(admin.accessToken)).toMatchObject({ ok: true });
  });

  it("a report edited after signing, or signed by another key, is refused", async () => {
    const officer = await h.login(await h.createUser("compliance"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify(report("prod", 3)));
    await orion([
      "--report",
      join(dir, "bad.json"),
      "--key",
      join(dir, "ci.pem"),
      "--out",
      join(dir, "bad.signed.json"),
    ]);
    const { jws } = JSON.parse(readFileSync(join(dir, "bad.signed.json"), "utf8")) as { jws: string };
    // The attacker rewrites the payload to zero violations and keeps the signature.
    const [header, , signature] = jws.split(".");
    const forgedPayload = Buffer.from(JSON.stringify(report("prod", 0))).toString("base64url");
    expectProblem(
      await h.request("POST", "/compliance/reports", {
        token: officer.accessToken,
        body: { jws: `${header}.${forgedPayload}.${signature}` },
      }),
      400,
    );
    const other = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(join(dir, "other.pem"), other);
    await orion(["--report", join(dir, "bad.json"), "--key", join(dir, "other.pem"), "--out", join(dir, "o.json")]);
    expectProblem(
      await h.request("POST", "/compliance/reports", {
        token: officer.accessToken,
        body: JSON.parse(readFileSync(join(dir, "o.json"), "utf8")) as unknown,
      }),
      400,
    );
  });

  it("bad input exits 2 with one line naming the file and the field, and writes nothing", async () => {
    const out = join(dir, "never.json");
    writeFileSync(join(dir, "partial.json"), JSON.stringify({ ...report("prod", 0), summary: undefined }));
    const r1 = await orion(["--report", join(dir, "partial.json"), "--key", join(dir, "ci.pem"), "--out", out]);
    expect(r1.code).toBe(EXIT_USAGE);
    expect(r1.line).toMatch(/partial\.json: summary: /);
    writeFileSync(join(dir, "notjson.json"), "{");
    const r2 = await orion(["--report", join(dir, "notjson.json"), "--key", join(dir, "ci.pem"), "--out", out]);
    expect(r2).toMatchObject({ code: EXIT_USAGE, line: expect.stringContaining("notjson.json: not JSON") });
    writeFileSync(join(dir, "public.pem"), ciPublic);
    const r3 = await orion(["--report", join(dir, "prod.json"), "--key", join(dir, "public.pem"), "--out", out]);
    expect(r3).toMatchObject({ code: EXIT_USAGE, line: expect.stringContaining("public.pem: not a PEM private key") });
    const r4 = await orion(["--report", join(dir, "prod.json"), "--out", out], { ORION_REPORT_SIGNING_KEY: "" });
    expect(r4).toMatchObject({ code: EXIT_USAGE, line: expect.stringContaining("ORION_REPORT_SIGNING_KEY") });
    expect(() => readFileSync(out)).toThrow();
  });
});
