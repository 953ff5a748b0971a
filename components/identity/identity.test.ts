import { describe, expect, it } from "vitest";
import { build, ofType, TEST_PROJECT } from "../common/test-helpers.ts";
import { Identity } from "./identity.ts";
import { accountId, forbiddenRole, githubAttributeCondition, projectRoles, WORKLOADS } from "./roles.ts";

describe("roles", () => {
  it.each(WORKLOADS)("%s gets only allowed project roles", (w) => {
    for (const role of projectRoles(w)) expect(forbiddenRole(role)).toBeUndefined();
  });
  it.each([
    ["roles/owner", /IAM-001/],
    ["roles/iam.serviceAccountUser", /IAM-002/],
    ["roles/cloudsql.admin", /IAM-003/],
    ["roles/secretmanager.secretAccessor", /SEC-003/],
  ])("refuses %s", (role, why) => expect(forbiddenRole(role)).toMatch(why));
  it("keeps service account ids within 30 chars, cutting the prefix", () => {
    expect(accountId("orion-prod", "orchestrator")).toBe("orion-prod-orchestrator");
    expect(accountId("orion-a-very-long-environment", "orchestrator")).toHaveLength(30);
    expect(accountId("orion-a-very-long-environment", "orchestrator")).toMatch(/-orchestrator$/);
  });
  it("binds federation to one repository", () => {
    expect(githubAttributeCondition("acme/orion")).toMatch(/^assertion.repository == "acme\/orion" && /);
  });
});

describe("Identity", () => {
  const args = { project: TEST_PROJECT, prefix: "orion-test", githubRepository: "acme/orion" };

  it("gives each bot its own account and least-privilege project roles, no keys (IAM-001..004)", async () => {
    const resources = await build(() => new Identity("id", args));
    expect(ofType(resources, "gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId)).toEqual([
      "orion-test-scanner",
      "orion-test-orchestrator",
      "orion-test-executor",
      "orion-test-api",
      "orion-test-deployer",
    ]);
    const roles = ofType(resources, "gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role as string);
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(forbiddenRole(role)).toBeUndefined();
    expect(resources.some((r) => r.type === "gcp:serviceaccount/key:Key")).toBe(false);
  });

  it("federates GitHub with an attribute condition (IAM-006) and binds only the repository's principal set", async () => {
    const resources = await build(() => new Identity("id", args));
    const provider = ofType(resources, "WorkloadIdentityPoolProvider")[0];
    expect(provider?.inputs.attributeCondition).toBe(githubAttributeCondition("acme/orion"));
    const binding = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember")[0];
    expect(binding?.inputs.role).toBe("roles/iam.workloadIdentityUser");
    expect(binding?.inputs.member).toMatch(/^principalSet:\/\/.*\/attribute.repository\/acme\/orion$/);
  });

  it("refuses an admin role before creating anything", async () => {
    await expect(
      build(() => new Identity("id", { ...args, extraRoles: { api: ["roles/run.admin"] } })),
    ).rejects.toThrow(/extraRoles.api "roles\/run.admin": service accounts hold no \*Admin role/);
  });
});
