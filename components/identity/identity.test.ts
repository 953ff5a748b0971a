import { describe, expect, it } from "vitest";
import { build, ofType, TEST_PROJECT } from "../common/test-helpers.ts";
import { Identity } from "./identity.ts";
import { run } from "@bufbuild/cel";
import {
  accountId,
  forbiddenRole,
  githubAttributeCondition,
  githubSubjects,
  MIGRATE_ROLES,
  PREVIEWER_ROLES,
  projectRoles,
  WORKLOADS,
} from "./roles.ts";

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
  it.each(PREVIEWER_ROLES)("gives the previewer %s, a role that only reads", (role) => {
    expect(forbiddenRole(role)).toBeUndefined();
    expect(role).toMatch(/^roles\/(browser|iam\.securityReviewer|[a-z]+\.[a-zA-Z]*[vV]iewer)$/);
  });
});

describe("the attribute condition, evaluated as STS does (CEL) over GitHub's token claims", () => {
  const repo = "acme/orion";
  // Claims as GitHub mints them: `sub` is repo:R:environment:E for a job with an environment, repo:R:pull_request
  // for a pull request's job, repo:R:ref:REF otherwise.
  const token = (over: Record<string, string>) => ({
    repository: repo,
    event_name: "push",
    ref: "refs/heads/main",
    sub: `repo:${repo}:ref:refs/heads/main`,
    ...over,
  });
  const admits = (assertion: Record<string, string>) => run(githubAttributeCondition(repo), { assertion }) === true;
  const prod = `repo:${repo}:environment:prod`;

  it.each([
    ["the prod job of a push to main", { sub: prod }],
    [
      "the staging job of a manual run on main",
      { sub: `repo:${repo}:environment:staging`, event_name: "workflow_dispatch" },
    ],
    [
      "a pull request's job",
      { sub: `repo:${repo}:pull_request`, event_name: "pull_request", ref: "refs/pull/7/merge" },
    ],
  ])("admits %s", (_what, claims) => expect(admits(token(claims))).toBe(true));

  it.each([
    ["a branch whose edited workflow claims the prod environment", { sub: prod, ref: "refs/heads/feature" }],
    [
      "a pull request whose edited workflow claims the prod environment",
      { sub: prod, event_name: "pull_request", ref: "refs/pull/7/merge" },
    ],
    ["a branch's own job", { sub: `repo:${repo}:ref:refs/heads/feature`, ref: "refs/heads/feature" }],
    ["a push to main outside any environment", {}],
    [
      "pull_request_target, which runs with the base branch's secrets",
      { sub: `repo:${repo}:pull_request`, event_name: "pull_request_target" },
    ],
    ["another repository's prod job", { repository: "evil/orion", sub: "repo:evil/orion:environment:prod" }],
    ["another environment on main", { sub: `repo:${repo}:environment:sandbox` }],
  ])("refuses %s", (_what, claims) => expect(admits(token(claims))).toBe(false));

  it("names exactly the subjects the accounts are bound to", () => {
    expect(githubSubjects(repo)).toEqual({
      previewer: "repo:acme/orion:pull_request",
      deployer: { staging: "repo:acme/orion:environment:staging", prod: "repo:acme/orion:environment:prod" },
    });
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
      "orion-test-migrate",
      "orion-test-deployer",
      "orion-test-previewer",
    ]);
    const roles = ofType(resources, "gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role as string);
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(forbiddenRole(role)).toBeUndefined();
    expect(resources.some((r) => r.type === "gcp:serviceaccount/key:Key")).toBe(false);
  });

  it("gives the migrate job its own account with only Cloud SQL login and log writing", async () => {
    const resources = await build(() => new Identity("id", args));
    const migrate = ofType(resources, "gcp:projects/iAMMember:IAMMember").filter(
      (m) => m.inputs.member === "serviceAccount:orion-test-migrate@orion-test-project.iam.gserviceaccount.com",
    );
    expect(migrate.map((m) => m.inputs.role).sort()).toEqual([...MIGRATE_ROLES].sort());
    for (const role of MIGRATE_ROLES) expect(forbiddenRole(role)).toBeUndefined();
    // No impersonation grant on it: nothing but the Cloud Run job (as its service agent) acts as it.
    const onMigrate = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember").filter((b) =>
      String(b.inputs.serviceAccountId).includes("migrate"),
    );
    expect(onMigrate).toEqual([]);
  });

  it("binds the deployer only to its deployment environment's subject and the previewer to pull requests (IAM-007)", async () => {
    const resources = await build(() => new Identity("id", { ...args, deployEnvironments: ["prod"] }));
    const provider = ofType(resources, "WorkloadIdentityPoolProvider")[0];
    expect(provider?.inputs.attributeCondition).toBe(githubAttributeCondition("acme/orion"));
    const bindings = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember").map((b) => [
      String(b.inputs.serviceAccountId).split("/").pop(),
      b.inputs.role,
      String(b.inputs.member).replace(/^principal:\/\/iam\.googleapis\.com\/.*\/subject\//, "subject "),
    ]);
    expect(bindings.sort()).toEqual([
      [
        "orion-test-deployer@orion-test-project.iam.gserviceaccount.com",
        "roles/iam.workloadIdentityUser",
        "subject repo:acme/orion:environment:prod",
      ],
      [
        "orion-test-previewer@orion-test-project.iam.gserviceaccount.com",
        "roles/iam.workloadIdentityUser",
        "subject repo:acme/orion:pull_request",
      ],
    ]);
    const previewerRoles = ofType(resources, "gcp:projects/iAMMember:IAMMember")
      .filter((m) => String(m.inputs.member).includes("orion-test-previewer@"))
      .map((m) => m.inputs.role);
    expect(previewerRoles).toEqual([...PREVIEWER_ROLES]);
  });

  it("leaves the deployer of a stack CI does not deploy without any federated subject", async () => {
    const resources = await build(() => new Identity("id", args));
    const members = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember").map((b) =>
      String(b.inputs.serviceAccountId),
    );
    expect(members.some((m) => m.includes("-deployer@"))).toBe(false);
  });

  it("refuses an admin role before creating anything", async () => {
    await expect(
      build(() => new Identity("id", { ...args, extraRoles: { api: ["roles/run.admin"] } })),
    ).rejects.toThrow(/extraRoles.api "roles\/run.admin": service accounts hold no \*Admin role/);
  });
});
