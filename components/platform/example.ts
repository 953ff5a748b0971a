import { Platform, type PlatformArgs } from "./index.ts";

// The whole platform in one region: what `pulumi up` of a small stack creates.
export const platformArgs: PlatformArgs = {
  project: "my-project",
  environment: "dev",
  regions: ["us-central1"],
  primaryRegion: "us-central1",
  runtime: "cloudrun",
  networkCidr: "10.20.0.0/16",
  domain: "dev.example.com",
  imageRegistry: "us-docker.pkg.dev/my-project/orion",
  imageTag: "main",
  scaling: {
    scanner: { min: 0, max: 1 },
    orchestrator: { min: 0, max: 1 },
    executor: { min: 0, max: 1 },
    api: { min: 0, max: 2 },
  },
  rollout: { strategy: "latest" },
  databaseTier: "db-custom-1-3840",
  redisMemoryGb: 1,
  alertEmails: { warning: ["dev@example.com"], critical: ["dev@example.com"], emergency: ["dev@example.com"] },
  replicaLagRpoSeconds: 60,
  githubRepository: "acme/alpha-orion",
  secretVersions: { "rpc-urls": 1, "api-session-secret": 1 },
  trading: {
    pools: "chains/pools/base.json",
    chainId: 8453,
    wrappedNative: "0x4200000000000000000000000000000000000006",
    executorContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    executorAccount: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    stack: "dev",
    // An example: the public half of your CI identity's report-signing key (README, "Compliance").
    reportPublicKey:
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAIR9h20R08fgTQLL3iaTnBEV15/l7LUzQCm4FJSj56Y8=\n-----END PUBLIC KEY-----\n",
  },
  labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
};

export function example(): Platform {
  return new Platform("dev", platformArgs);
}
