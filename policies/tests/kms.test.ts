import { kmsPolicies } from "../kms.ts";
import { keyPath, PRIMARY } from "./fixtures/stack.ts";
import { describe, expect, it } from "vitest";
import { brokenStack, findings, policySpec, setPath, toEvalResources, type PolicyCase } from "./harness.ts";

const ADMIN = "serviceAccount:ops@alpha-orion-prod.iam.gserviceaccount.com";

const cases: PolicyCase[] = [
  {
    policy: "kms-symmetric-key-rotation",
    breaks: "yearly rotation",
    target: "sql-us-east4",
    mutate: (i) => setPath(i, "rotationPeriod", "31536000s"),
    expect: ["KMS-001"],
  },
  {
    policy: "kms-symmetric-key-rotation",
    breaks: "no rotation",
    target: "data-us-east4",
    mutate: (i) => setPath(i, "rotationPeriod", undefined),
    expect: ["KMS-001"],
  },
  {
    policy: "kms-key-destroy-protection",
    breaks: "unprotected",
    target: "sql-us-east4",
    mutate: (_i, f) => {
      f.protect = false;
    },
    expect: ["KMS-002"],
  },
  {
    policy: "kms-key-destroy-protection",
    breaks: "1-day destroy window",
    target: "sql-us-east4",
    mutate: (i) => setPath(i, "destroyScheduledDuration", "86400s"),
    expect: ["KMS-002"],
  },
  {
    policy: "kms-hsm-for-signing-and-financial-keys",
    breaks: "software signing key",
    target: "signer-us-east4",
    mutate: (i) => setPath(i, "versionTemplate.protectionLevel", "SOFTWARE"),
    expect: ["KMS-003"],
  },
  {
    policy: "kms-hsm-for-signing-and-financial-keys",
    breaks: "restricted-data key in software",
    target: "data-us-east4",
    mutate: (i) => setPath(i, "versionTemplate", undefined),
    expect: ["KMS-003"],
  },
  {
    policy: "kms-iam-not-public",
    breaks: "key ring granted to allAuthenticatedUsers",
    add: [
      {
        type: "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding",
        name: "open",
        inputs: { keyRingId: "ring", role: "roles/cloudkms.viewer", members: ["allAuthenticatedUsers"] },
      },
    ],
    expect: ["KMS-004"],
  },
  {
    policy: "kms-separation-of-duties",
    breaks: "one account administers and decrypts",
    add: [
      {
        type: "gcp:projects/iAMMember:IAMMember",
        name: "ops-kms-admin",
        inputs: { project: "p", role: "roles/cloudkms.admin", member: ADMIN },
      },
      {
        type: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        name: "ops-decrypts",
        inputs: { cryptoKeyId: keyPath(PRIMARY, "data"), role: "roles/cloudkms.cryptoKeyDecrypter", member: ADMIN },
      },
    ],
    expect: ["KMS-005"],
  },
];

policySpec("kms", () => kmsPolicies(), cases);

describe("KMS-005 names the grants to change", () => {
  it("reports on the admin grant and the key-use grant, not on the stack", async () => {
    const found = await findings(kmsPolicies(), toEvalResources(brokenStack(cases[cases.length - 1] as PolicyCase)));
    expect(found.map((f) => f.urn?.split("::").pop()).sort()).toEqual(["ops-decrypts", "ops-kms-admin"]);
  });
});
