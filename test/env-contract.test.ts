/**
 * The env contract, checked on the prod plan: the env each Cloud Run service gets (the Region component, the writer)
 * against the schema of the bot it runs (apps/domain/env, the reader). A variable written but never read, or read as
 * required but never written, fails here, never in a deploy; so does a combination the bots' connection code refuses
 * (TLS without a CA, Cloud SQL without an IAM user).
 */
import { describe, expect, it } from "vitest";
import { controlStoreEndpoint, databasePlan, redisEndpoint } from "../apps/connections/index.ts";
import { botEnvSchemas, parseEnv, type EnvBot } from "../apps/domain/env/index.ts";
import { MOCK_REDIS_SERVER_CA } from "../components/common/mocks.ts";
import { captureStack } from "../stacks/offline/capture.ts";
import { regionsOf } from "../stacks/offline/summary.ts";

type EnvEntry = { name: string; value?: string; valueSource?: { secretKeyRef?: { secret: string; version: string } } };
type Container = { args: string[]; envs: EnvEntry[] };

/** Stand-ins for what Secret Manager holds, each in the shape its variable must have. */
const SECRET_VALUES: Record<string, string> = {
  REDIS_PASSWORD: "memorystore-auth-string",
  ORION_CONTROL_REDIS_PASSWORD: "primary-memorystore-auth-string",
  RPC_URLS: "https://rpc-1.example.com/key,https://rpc-2.example.com/key",
  ORION_KEYS: "{}",
};

const prod = await captureStack("prod");
const regionOf = regionsOf(prod.resources);
const services = prod.resources
  .filter((r) => r.type === "gcp:cloudrunv2/service:Service")
  .map((s) => {
    const [container] = (s.inputs.template as { containers: Container[] }).containers;
    const [command, bot] = container?.args ?? [];
    expect(command).toBe("run");
    return { region: regionOf.get(s.urn) ?? "?", bot: bot as EnvBot, envs: container?.envs ?? [] };
  });

/** The variables a schema declares, and those it cannot do without. */
function contractOf(bot: EnvBot): { reads: string[]; required: string[] } {
  const shape = botEnvSchemas[bot].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const reads = Object.keys(shape);
  return { reads, required: reads.filter((v) => !shape[v]?.safeParse(undefined).success) };
}

describe("the env contract on the prod plan", () => {
  it("runs each of the four bots in each of the three regions", () => {
    expect(services.map((s) => `${s.region} ${s.bot}`).sort()).toEqual(
      ["us-central1", "us-east4", "us-west1"].flatMap((r) =>
        ["api", "executor", "orchestrator", "scanner"].map((b) => `${r} ${b}`),
      ),
    );
  });

  it.each(services.map((s) => [`${s.region} ${s.bot}`, s] as const))(
    "%s: writes only what the bot reads, everything it requires, and values it accepts",
    (_, { bot, envs, region }) => {
      const { reads, required } = contractOf(bot);
      const written = envs.map((e) => e.name);
      expect(written.filter((v) => !reads.includes(v))).toEqual([]);
      expect(required.filter((v) => !written.includes(v))).toEqual([]);
      expect(new Set(written).size).toBe(written.length);

      const env: Record<string, string> = {};
      for (const e of envs) {
        if (e.valueSource?.secretKeyRef) {
          // Secrets by reference only, pinned to a version (never latest), and never a literal value.
          expect(e.value).toBeUndefined();
          expect(e.valueSource.secretKeyRef.version).toMatch(/^\d+$/);
          const value = SECRET_VALUES[e.name];
          expect(value, `no stand-in for secret ${e.name}`).toBeDefined();
          env[e.name] = value as string;
        } else {
          expect(typeof e.value, e.name).toBe("string");
          env[e.name] = e.value as string;
        }
      }
      expect(() => parseEnv(botEnvSchemas[bot], env)).not.toThrow();

      // Memorystore: TLS on its TLS port, verified against the instance's own CA, with AUTH.
      expect(redisEndpoint(env)).toEqual({
        host: "10.100.1.4",
        port: 6378,
        db: 0,
        password: SECRET_VALUES.REDIS_PASSWORD,
        tls: { ca: expect.stringContaining(MOCK_REDIS_SERVER_CA) as string },
      });
      // The control store: the primary region's Memorystore for every region, over TLS with that instance's CA.
      expect(controlStoreEndpoint(env)).toEqual({
        host: "10.100.1.4",
        port: 6378,
        db: 0,
        password: SECRET_VALUES.ORION_CONTROL_REDIS_PASSWORD,
        tls: { ca: expect.stringMatching(/^mock CA of orion-prod-redis-usc1\n/) as string },
      });
      if (bot === "scanner") {
        expect(written.filter((v) => v.startsWith("DATABASE_"))).toEqual([]);
        return;
      }
      // Cloud SQL through the connector as the bot's own IAM user: writes to the primary, reads in its own region.
      const user = `orion-prod-${bot}@alpha-orion-prod.iam`;
      expect(databasePlan(env)).toEqual({
        write: {
          kind: "cloud-sql",
          instance: "alpha-orion-prod:us-central1:orion-prod-pg-us-central1",
          user,
          database: "orion",
        },
        read: {
          kind: "cloud-sql",
          instance: expect.stringMatching(new RegExp(`^alpha-orion-prod:${region}:orion-prod-pg-${region}`)) as string,
          user,
          database: "orion",
        },
      });
    },
  );
});
