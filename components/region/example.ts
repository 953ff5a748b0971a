import { KEY_PURPOSES, type KeyPurpose } from "../kms/index.ts";
import { planRegionRanges } from "../network/index.ts";
import { Region, type RegionArgs } from "./index.ts";

const P = "projects/my-project";
const account = (bot: string) => {
  const email = `orion-dev-${bot}@my-project.iam.gserviceaccount.com`;
  return { email, member: `serviceAccount:${email}`, name: `${P}/serviceAccounts/${email}` };
};
const [ranges] = planRegionRanges("10.20.0.0/16", ["us-central1"]);

export const regionArgs: RegionArgs = {
  project: "my-project",
  prefix: "orion-dev",
  region: "us-central1",
  primaryRegion: "us-central1",
  runtime: "cloudrun",
  networkId: `${P}/global/networks/orion-dev-vpc`,
  subnet: { id: `${P}/regions/us-central1/subnetworks/orion-dev-us-central1`, ranges: ranges! },
  keys: Object.fromEntries(
    KEY_PURPOSES.map((k) => [k, `${P}/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/${k}`]),
  ) as Record<KeyPurpose, string>,
  signingKeyVersionId: `${P}/locations/us-central1/keyRings/orion-dev-us-central1/cryptoKeys/executor-signer/cryptoKeyVersions/1`,
  accounts: {
    scanner: account("scanner"),
    orchestrator: account("orchestrator"),
    executor: account("executor"),
    api: account("api"),
  },
  secrets: {
    "rpc-urls": { secret: "orion-dev-rpc-urls", version: "1" },
    "api-session-secret": { secret: "orion-dev-api-session-secret", version: "1" },
  },
  databaseWriter: "my-project:us-central1:orion-dev-pg-us-central1",
  databaseReader: "my-project:us-central1:orion-dev-pg-us-central1",
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
  imageRegistry: "us-docker.pkg.dev/my-project/orion",
  imageTag: "v1.2.0",
  scaling: {
    scanner: { min: 0, max: 1 },
    orchestrator: { min: 0, max: 1 },
    executor: { min: 0, max: 1 },
    api: { min: 0, max: 2 },
  },
  rollout: { strategy: "latest" },
  redisMemoryGb: 1,
  secretRotation: { topicId: `${P}/topics/orion-dev-secret-rotation` },
  labels: { env: "dev", owner: "platform-team", "data-classification": "internal" },
};

export function example(): Region {
  return new Region("us-central1", regionArgs);
}
