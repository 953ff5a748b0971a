import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackPolicyConfig, mandatoryConfig, PolicyConfigError } from "../config.ts";
import { evaluate } from "../evaluator/evaluate.ts";
import {
  loadPolicyPackConfig,
  servedPolicies,
  stackPolicyPackConfigFile,
  validatePolicyPackConfig,
  withPolicyPackConfig,
} from "../pack-config.ts";
import { buildPack } from "../packs.ts";
import { SETTING_SCHEMAS } from "../settings.ts";
import { compliantStack } from "./fixtures/stack.ts";
import { PROD_SETTINGS, toEvalResources } from "./harness.ts";

const PACK_CONFIG_DIR = new URL("../pack-config/", import.meta.url);
const STACKS = (await readdir(new URL("../config/", import.meta.url)))
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -".json".length))
  .sort();

describe("policies' configSchema", () => {
  const policies = servedPolicies();

  it("declares exactly the settings each policy reads, as JSON schemas a validator accepts", () => {
    const ajv = new Ajv({ strict: true });
    const configurable = policies.filter((p) => (p.settingKeys ?? []).length > 0);
    expect(configurable.map((p) => p.name).sort()).toEqual(
      [
        "cloudrun-readiness-and-minimum-instances",
        "cloudsql-backups-in-another-region",
        "cloudsql-cross-region-replica",
        "gcs-approved-location-and-lifecycle",
        "monitoring-slo-burn-rate-alerts",
        "pubsub-message-storage-approved-regions",
        "secret-user-managed-replication-cmek",
        "vpc-sc-perimeter-required",
      ].sort(),
    );
    for (const p of policies) {
      expect(Object.keys(p.configSchema?.properties ?? {}), p.name).toEqual([...(p.settingKeys ?? [])]);
      for (const schema of Object.values(p.configSchema?.properties ?? {}))
        expect(() => ajv.compile(schema)).not.toThrow();
    }
    // Every setting is read by some policy: a schema nobody reads would accept config that changes nothing.
    const read = new Set(configurable.flatMap((p) => p.settingKeys ?? []));
    expect([...read].sort()).toEqual(Object.keys(SETTING_SCHEMAS).sort());
  });
});

describe("policies/pack-config/<stack>.json (the --policy-pack-config files CI passes)", () => {
  it.each(STACKS)("%s: says what its policies/config file says, and validates", async (stack) => {
    const file = new URL(`${stack}.json`, PACK_CONFIG_DIR);
    const written = JSON.parse(await readFile(file, "utf8")) as unknown;
    // Regenerate with `npm run policy-pack-config` after editing policies/config/.
    expect(written).toEqual(stackPolicyPackConfigFile(stack));
    expect(() => validatePolicyPackConfig(written, servedPolicies(), `${stack}.json`)).not.toThrow();
  });

  it("exists for every stack configuration and nothing else", async () => {
    const files = (await readdir(PACK_CONFIG_DIR)).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual(STACKS.map((s) => `${s}.json`));
  });
});

describe("validating a policy pack configuration", () => {
  const policies = servedPolicies();
  const check = (raw: unknown) => () => validatePolicyPackConfig(raw, policies, "policy-config.json");

  it.each([
    ["not an object", [], "policy-config.json: (root): must be a JSON object"],
    [
      "a bad level for all",
      { all: "strict" },
      'policy-config.json: all: must be one of advisory, mandatory, remediate, disabled (got "strict")',
    ],
    ["a policy the pack lacks", { "sql-ssl": "advisory" }, "policy-config.json: sql-ssl: is not a policy of this pack"],
    [
      "a bad level for one policy",
      { "cloudsql-pgaudit": { enforcementLevel: "warn" } },
      "policy-config.json: cloudsql-pgaudit.enforcementLevel: must be one of",
    ],
    [
      "a setting out of range",
      { "monitoring-slo-burn-rate-alerts": { sloGoal: 1.5 } },
      "policy-config.json: monitoring-slo-burn-rate-alerts: sloGoal: must be < 1",
    ],
    [
      "a setting of the wrong type",
      { "secret-user-managed-replication-cmek": { approvedRegions: "us-central1" } },
      "policy-config.json: secret-user-managed-replication-cmek: approvedRegions: must be array",
    ],
    [
      "a misspelt setting",
      { "cloudrun-readiness-and-minimum-instances": { minInstance: 2 } },
      "policy-config.json: cloudrun-readiness-and-minimum-instances: minInstance: is not a setting this policy reads",
    ],
    [
      "a setting for a policy that reads none",
      { "cloudsql-pgaudit": { approvedRegions: ["us-central1"] } },
      "policy-config.json: cloudsql-pgaudit.approvedRegions: this policy takes no configuration",
    ],
  ])("refuses %s with one line naming the file and field", (_what, raw, message) => {
    expect(check(raw)).toThrow(PolicyConfigError);
    expect(check(raw)).toThrow(message);
    try {
      check(raw)();
    } catch (err) {
      expect((err as Error).message).not.toContain("\n");
    }
  });

  describe("from a file", () => {
    let dir = "";
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "orion-pack-config-"));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("names a missing file and one that is not JSON", async () => {
      expect(() => loadPolicyPackConfig(join(dir, "none.json"), policies)).toThrow(
        `${join(dir, "none.json")}: no such file`,
      );
      const bad = join(dir, "bad.json");
      await writeFile(bad, "{ all: mandatory");
      expect(() => loadPolicyPackConfig(bad, policies)).toThrow(new RegExp(`^${bad}: not JSON`));
    });
  });
});

describe("a policy pack configuration applied (the offline evaluator, as the engine would)", () => {
  const resources = toEvalResources(compliantStack());
  const run = async (raw: unknown) => {
    const base = mandatoryConfig({ settings: PROD_SETTINGS });
    const config = withPolicyPackConfig(base, validatePolicyPackConfig(raw, servedPolicies(), "c.json"));
    const pack = buildPack("all", config);
    const evaluation = await evaluate(pack.policies, resources, {
      policyPackName: "alpha-orion-all",
      policyPackVersion: "0.0.0",
      policyConfig: config.policyConfig,
    });
    return evaluation.findings.map((f) => [f.diagnostic.policyName, f.diagnostic.enforcementLevel]);
  };

  it("passes the compliant stack with prod's own file", async () => {
    expect(await run(stackPolicyPackConfigFile("prod"))).toEqual([]);
  });

  it("takes a setting from the file: three warm instances fail RUN-008 where prod asks one", async () => {
    const found = await run({ "cloudrun-readiness-and-minimum-instances": { minInstances: 3 } });
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map(([name]) => name))).toEqual(new Set(["cloudrun-readiness-and-minimum-instances"]));
  });

  it("takes levels by the engine's precedence: the policy's own entry over all", async () => {
    const found = await run({
      all: "advisory",
      "cloudrun-readiness-and-minimum-instances": { enforcementLevel: "mandatory", minInstances: 3 },
      "gcs-approved-location-and-lifecycle": { approvedLocations: ["europe-west1"] },
    });
    expect(new Set(found.map((f) => f.join(" ")))).toEqual(
      new Set(["cloudrun-readiness-and-minimum-instances mandatory", "gcs-approved-location-and-lifecycle advisory"]),
    );
    expect(
      await run({ "cloudrun-readiness-and-minimum-instances": { enforcementLevel: "disabled", minInstances: 3 } }),
    ).toEqual([]);
  });

  it("leaves the stack file's settings where the pack config is silent", () => {
    const file = stackPolicyPackConfigFile("staging");
    expect(file["monitoring-slo-burn-rate-alerts"]).toEqual({
      sloGoal: loadStackPolicyConfig("staging").settings.sloGoal,
    });
  });
});
