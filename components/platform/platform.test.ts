import { describe, expect, it } from "vitest";
import { at, build, ofType, unlabelled } from "../common/test-helpers.ts";
import { example, platformArgs } from "./example.ts";
import { Platform } from "./platform.ts";

describe("Platform", () => {
  it("labels every labelable resource and grants each CMEK key only to the agent that uses it", async () => {
    const resources = await build(() => example());
    expect(unlabelled(resources)).toEqual([]);
    const grants = ofType(resources, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map(
      (g) => `${String(g.inputs.cryptoKeyId).split("/").pop()} ${String(g.inputs.member).split("@")[1]}`,
    );
    expect(grants.sort()).toEqual(
      [
        "bigquery bigquery-encryption.iam.gserviceaccount.com",
        "executor-signer orion-test-project.iam.gserviceaccount.com",
        "executor-signer orion-test-project.iam.gserviceaccount.com",
        "logs gcp-sa-logging.iam.gserviceaccount.com",
        "pubsub gcp-sa-pubsub.iam.gserviceaccount.com",
        "redis gcp-sa-redis.iam.gserviceaccount.com",
        "run gcp-sa-run.iam.gserviceaccount.com",
        "secrets gcp-sa-secretmanager.iam.gserviceaccount.com",
        "sql gcp-sa-sqladmin.iam.gserviceaccount.com",
        "storage gs-project-accounts.iam.gserviceaccount.com",
      ].sort(),
    );
  });

  it("puts the project in a VPC Service Controls perimeter only when an access policy is configured (NET-005)", async () => {
    const type = "gcp:accesscontextmanager/servicePerimeter:ServicePerimeter";
    expect(ofType(await build(() => example()), type)).toEqual([]);
    const operators = ["user:sre@example.com"];
    const resources = await build(
      () => new Platform("p", { ...platformArgs, servicePerimeter: { accessPolicy: "accessPolicies/9", operators } }),
    );
    const [perimeter] = ofType(resources, type);
    expect(perimeter?.inputs.parent).toBe("accessPolicies/9");
    // The CI identities the stack itself creates are admitted, so a deploy from GitHub's runners is not refused.
    const identities = at(perimeter, "status.ingressPolicies.0.ingressFrom.identities") as string[];
    expect(identities.map((m) => m.split("@")[0])).toEqual([
      "serviceAccount:orion-dev-deployer",
      "serviceAccount:orion-dev-previewer",
      "user:sre",
    ]);
  });

  it("lets the executor sign with the signing key and the API only read its public key (live pre-flight)", async () => {
    const resources = await build(() => example());
    const onSigningKey = ofType(resources, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
      .filter((g) => String(g.inputs.cryptoKeyId).endsWith("/executor-signer"))
      .map((g) => `${String(g.inputs.role)} ${String(g.inputs.member).split("@")[0]}`);
    expect(onSigningKey.sort()).toEqual([
      "roles/cloudkms.publicKeyViewer serviceAccount:orion-dev-api",
      "roles/cloudkms.signerVerifier serviceAccount:orion-dev-executor",
    ]);
  });

  it("creates no GKE key or agent for the Cloud Run runtime", async () => {
    const resources = await build(() => example());
    expect(ofType(resources, "gcp:kms/cryptoKey:CryptoKey").some((k) => k.inputs.name === "gke")).toBe(false);
    expect(
      ofType(resources, "gcp:projects/serviceIdentity:ServiceIdentity").map((s) => s.inputs.service),
    ).not.toContain("container.googleapis.com");
  });

  it("migrates before any bot rolls out: the job in the primary region as the owner, every bot service after it", async () => {
    const regions = ["us-east4", "us-central1"];
    const resources = await build(() => new Platform("p", { ...platformArgs, regions, primaryRegion: "us-central1" }));
    const [job, ...more] = ofType(resources, "gcp:cloudrunv2/job:Job");
    expect(more).toEqual([]);
    expect(job?.inputs.location).toBe("us-central1");
    expect(at(job, "template.template.serviceAccount")).toMatch(/^orion-dev-migrate@/);
    const envs = (at(job, "template.template.containers.0.envs") as { name: string; value: string }[]) ?? [];
    const env = Object.fromEntries(envs.map((e) => [e.name, e.value]));
    expect(env.DATABASE_USER).toMatch(/^orion-dev-migrate@orion-test-project\.iam$/);
    expect(env.ORION_APP_ROLES?.split(",").map((r) => r.split("@")[0])).toEqual([
      "orion-dev-orchestrator",
      "orion-dev-executor",
      "orion-dev-api",
    ]);
    // The owner is the one cloudsqlsuperuser; the bots' users hold no database role of their own.
    const users = ofType(resources, "gcp:sql/user:User").map((u) => [
      String(u.inputs.name).split("@")[0],
      u.inputs.databaseRoles,
    ]);
    expect(users).toEqual([
      ["orion-dev-orchestrator", undefined],
      ["orion-dev-executor", undefined],
      ["orion-dev-api", undefined],
      ["orion-dev-migrate", ["cloudsqlsuperuser"]],
    ]);
    expect(job?.dependencies).toEqual(
      expect.arrayContaining(
        ofType(resources, "gcp:sql/user:User")
          .map((u) => u.urn)
          .concat(ofType(resources, "gcp:sql/database:Database").map((d) => d.urn)),
      ),
    );
    const services = ofType(resources, "gcp:cloudrunv2/service:Service");
    expect(services).toHaveLength(8);
    for (const s of services) {
      expect(s.dependencies, String(s.inputs.name)).toContain(job?.urn);
      const name = String(s.inputs.name);
      const written = ((at(s, "template.containers.0.envs") as { name: string; value?: string }[]) ?? []).find(
        (e) => e.name === "ORION_MIGRATIONS",
      );
      expect(written?.value, name).toBe(/scanner/.test(name) ? undefined : "external");
    }
    // The Redis instances do not wait for the job: only the bots do.
    for (const r of ofType(resources, "gcp:redis/instance:Instance")) expect(r.dependencies).not.toContain(job?.urn);
  });

  it("creates no migrate job before the bots can be deployed (first deploy: the image is not pushed yet)", async () => {
    const resources = await build(() => new Platform("p", { ...platformArgs, secretVersions: {} }));
    expect(ofType(resources, "gcp:cloudrunv2/job:Job")).toEqual([]);
    expect(ofType(resources, "gcp:cloudrunv2/service:Service")).toEqual([]);
  });

  it("gives every region's bots the primary region's Redis as their one control store", async () => {
    const regions = ["us-east4", "us-central1"];
    const resources = await build(() => new Platform("p", { ...platformArgs, regions, primaryRegion: "us-central1" }));
    const services = ofType(resources, "gcp:cloudrunv2/service:Service");
    expect(services).toHaveLength(8);
    for (const s of services) {
      const env =
        (at(s, "template.containers.0.envs") as { name: string; value?: string; valueSource?: unknown }[]) ?? [];
      const byName = Object.fromEntries(env.map((e) => [e.name, e]));
      expect(byName.ORION_CONTROL_REDIS_CA_CERT?.value, String(s.inputs.name)).toContain(
        "mock CA of orion-dev-redis-usc1",
      );
      expect(JSON.stringify(byName.ORION_CONTROL_REDIS_PASSWORD?.valueSource), String(s.inputs.name)).toContain(
        "redis-auth-us-central1",
      );
      // The bot's own Redis stays its region's: the bus is regional, only the control state is global.
      const region = String(s.inputs.location);
      expect(JSON.stringify(byName.REDIS_PASSWORD?.valueSource)).toContain(`redis-auth-${region}`);
    }
  });

  it("puts a collector sidecar beside every Cloud Run bot in every region, and points the bot's OTLP exporter at it", async () => {
    const regions = ["us-east4", "us-central1"];
    const image = "registry.example/otelcol-google:0.121.0";
    const resources = await build(
      () =>
        new Platform("p", {
          ...platformArgs,
          regions,
          primaryRegion: "us-central1",
          tracing: { collector: { image }, sampleRatio: 0.5 },
        }),
    );
    const services = ofType(resources, "gcp:cloudrunv2/service:Service");
    expect(services).toHaveLength(8);
    for (const s of services) {
      const containers = at(s, "template.containers") as {
        name: string;
        image: string;
        args: string[];
        envs: { name: string; value?: string }[];
        dependsOns?: string[];
      }[];
      const [bot, sidecar] = containers;
      expect(containers.map((c) => c.name)).toEqual([
        expect.stringMatching(/^(scanner|orchestrator|executor|api)$/),
        "otel-collector",
      ]);
      const env = Object.fromEntries((bot?.envs ?? []).map((e) => [e.name, e.value]));
      expect(env).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.5",
        OTEL_SERVICE_NAME: `orion-dev-${bot?.name}`,
      });
      expect(bot?.dependsOns).toEqual(["otel-collector"]);
      expect(sidecar).toMatchObject({ image, args: ["--config=env:OTELCOL_CONFIG"] });
      const config = sidecar?.envs.find((e) => e.name === "OTELCOL_CONFIG")?.value ?? "";
      expect(config).toContain("endpoint: localhost:4318");
      expect(config).toMatch(/exporters: \[googlecloud\]/);
    }
  });

  it("without tracing the bots run alone and export nothing", async () => {
    const resources = await build(() => new Platform("p", platformArgs));
    for (const s of ofType(resources, "gcp:cloudrunv2/service:Service")) {
      const containers = at(s, "template.containers") as { envs: { name: string }[] }[];
      expect(containers).toHaveLength(1);
      expect(containers[0]?.envs.map((e) => e.name)).not.toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
    }
  });

  it.each([
    [{ environment: "Prod!" }, /environment "Prod!" must be 2-10 lowercase letters\/digits/],
    [{ primaryRegion: "europe-west1" }, /primaryRegion europe-west1 must be one of regions \(us-central1\)/],
    [{ labels: { env: "dev", owner: "platform-team" } }, /"data-classification" \(GOV-001\)/],
  ])("refuses %j before creating anything", async (change, message) => {
    await expect(build(() => new Platform("p", { ...platformArgs, ...change }))).rejects.toThrow(message);
  });
});
