import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { KEY_PURPOSES, MAX_ROTATION_SECONDS, MIN_DESTROY_SECONDS, validateKeyPolicy } from "./keys.ts";
import { Kms } from "./kms.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "us-east4",
  labels: TEST_LABELS,
  encrypters: { sql: ["serviceAccount:sql-agent@x.iam.gserviceaccount.com"] },
  signers: ["serviceAccount:executor@x.iam.gserviceaccount.com"],
  publicKeyViewers: ["serviceAccount:api@x.iam.gserviceaccount.com"],
};

describe("validateKeyPolicy", () => {
  it.each([
    [{ rotationPeriodSeconds: MAX_ROTATION_SECONDS, destroyScheduledSeconds: MIN_DESTROY_SECONDS }, []],
    [{ rotationPeriodSeconds: MAX_ROTATION_SECONDS + 1, destroyScheduledSeconds: MIN_DESTROY_SECONDS }, [/KMS-001/]],
    [{ rotationPeriodSeconds: 3600, destroyScheduledSeconds: MIN_DESTROY_SECONDS }, [/KMS-001/]],
    [{ rotationPeriodSeconds: MAX_ROTATION_SECONDS, destroyScheduledSeconds: 86400 }, [/KMS-002/]],
  ])("%j", (policy, expected) => {
    const problems = validateKeyPolicy(policy);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(problems[i]).toMatch(re));
  });
});

describe("Kms", () => {
  it("creates rotating, protected HSM keys per purpose (KMS-001..003)", async () => {
    const resources = await build(() => new Kms("kms", args));
    const ring = ofType(resources, "KeyRing")[0];
    expect(ring?.inputs.location).toBe("us-east4");
    expect(ring?.protect).toBe(true);
    const keys = ofType(resources, "CryptoKey");
    const symmetric = keys.filter((k) => k.inputs.purpose === "ENCRYPT_DECRYPT");
    expect(symmetric.map((k) => k.inputs.name)).toEqual([...KEY_PURPOSES]);
    for (const key of keys) {
      expect(key.protect).toBe(true);
      expect(key.inputs.destroyScheduledDuration).toBe("2592000s");
      expect(at(key, "versionTemplate.protectionLevel")).toBe("HSM");
    }
    for (const key of symmetric) expect(key.inputs.rotationPeriod).toBe("7776000s");
    expect(unlabelled(resources)).toEqual([]);
  });

  it("has an HSM secp256k1 signing key that only the signer may use, and the API only read its public key", async () => {
    const resources = await build(() => new Kms("kms", args));
    const signer = ofType(resources, "CryptoKey").find((k) => k.inputs.purpose === "ASYMMETRIC_SIGN");
    expect(at(signer, "versionTemplate.algorithm")).toBe("EC_SIGN_SECP256K1_SHA256");
    const grants = ofType(resources, "CryptoKeyIAMMember")
      .map((g) => [g.inputs.role, g.inputs.member, g.inputs.cryptoKeyId])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(grants).toEqual([
      [
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "serviceAccount:sql-agent@x.iam.gserviceaccount.com",
        expect.stringMatching(/cryptoKeys\/sql$/),
      ],
      [
        "roles/cloudkms.publicKeyViewer",
        "serviceAccount:api@x.iam.gserviceaccount.com",
        expect.stringMatching(/executor-signer$/),
      ],
      [
        "roles/cloudkms.signerVerifier",
        "serviceAccount:executor@x.iam.gserviceaccount.com",
        expect.stringMatching(/executor-signer$/),
      ],
    ]);
  });

  it("names the key version the executor signs with (ORION_SIGNER_KMS)", async () => {
    let version: Promise<string> | undefined;
    await build(() => {
      const ring = new Kms("kms", args);
      version = new Promise((resolve) => ring.signingKeyVersionId.apply(resolve));
    });
    expect(await version).toMatch(/cryptoKeys\/executor-signer\/cryptoKeyVersions\/1$/);
  });

  it("refuses weak policies and grants on keys it does not create", async () => {
    await expect(build(() => new Kms("kms", { ...args, rotationPeriodSeconds: 365 * 86400 }))).rejects.toThrow(
      /KMS-001/,
    );
    await expect(build(() => new Kms("kms", { ...args, purposes: ["redis"] }))).rejects.toThrow(
      /encrypters.sql names a key that is not in purposes/,
    );
  });
});
