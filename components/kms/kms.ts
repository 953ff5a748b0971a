import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/gcp/kms/index.js";
import { gcpName } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import {
  KEY_PURPOSES,
  MAX_ROTATION_SECONDS,
  MIN_DESTROY_SECONDS,
  seconds,
  validateKeyPolicy,
  type KeyPurpose,
} from "./keys.ts";

export interface KmsArgs {
  project: string;
  prefix: string;
  region: string;
  labels: Labels;
  /** Symmetric keys to create. Default: every purpose in KEY_PURPOSES. */
  purposes?: readonly KeyPurpose[];
  /** Default 90 days, the KMS-001 maximum. */
  rotationPeriodSeconds?: number;
  /** Default 30 days, the KMS-002 minimum. */
  destroyScheduledSeconds?: number;
  /** Google agents (IAM members) allowed to encrypt and decrypt with each purpose's key, on that key only. */
  encrypters?: Partial<Record<KeyPurpose, readonly pulumi.Input<string>[]>>;
  /** Members allowed to sign with the HSM secp256k1 key (the executor), on that key only. */
  signers?: readonly pulumi.Input<string>[];
  /**
   * Members allowed to read the signing key's public key and nothing more (the API's live pre-flight proves KMS
   * answers with the executor account's key), on that key only: roles/cloudkms.publicKeyViewer, which cannot sign.
   */
  publicKeyViewers?: readonly pulumi.Input<string>[];
}

/**
 * A key ring in one region: HSM-backed symmetric keys per data kind, rotated and protected (KMS-001..003), and an HSM
 * EC_SIGN_SECP256K1_SHA256 key for the executor's transactions. Keys are `protect`ed: deleting one makes every
 * ciphertext under it unreadable, so `pulumi destroy` must refuse it.
 */
export class Kms extends pulumi.ComponentResource {
  readonly keyRingId: pulumi.Output<string>;
  /** purpose -> key id, for the purposes created. */
  readonly keyIds: Partial<Record<KeyPurpose, pulumi.Output<string>>>;
  readonly signingKeyId: pulumi.Output<string>;
  /** The version the executor signs with (ORION_SIGNER_KMS): KMS creates version 1 with the key. */
  readonly signingKeyVersionId: pulumi.Output<string>;

  constructor(name: string, args: KmsArgs, opts?: pulumi.ComponentResourceOptions) {
    const policy = {
      rotationPeriodSeconds: args.rotationPeriodSeconds ?? MAX_ROTATION_SECONDS,
      destroyScheduledSeconds: args.destroyScheduledSeconds ?? MIN_DESTROY_SECONDS,
    };
    const problems = validateKeyPolicy(policy);
    if (problems.length > 0) throw new Error(`Kms ${name}: ${problems.join("; ")}`);
    validateLabels(args.labels, `Kms ${name}`);
    const purposes = args.purposes ?? KEY_PURPOSES;
    for (const purpose of Object.keys(args.encrypters ?? {})) {
      if (!purposes.includes(purpose as KeyPurpose)) {
        throw new Error(`Kms ${name}: encrypters.${purpose} names a key that is not in purposes`);
      }
    }
    // The region is the component's one input: plans group its children by it.
    super("alpha-orion:platform:Kms", name, { region: args.region }, opts);
    const keep = { parent: this, protect: true };

    const ring = new kms.KeyRing(
      name,
      { project: args.project, name: gcpName([args.prefix, args.region]), location: args.region },
      keep,
    );
    this.keyRingId = ring.id;

    this.keyIds = {};
    for (const purpose of purposes) {
      const key = new kms.CryptoKey(
        `${name}-${purpose}`,
        {
          name: purpose,
          keyRing: ring.id,
          purpose: "ENCRYPT_DECRYPT",
          rotationPeriod: seconds(policy.rotationPeriodSeconds),
          destroyScheduledDuration: seconds(policy.destroyScheduledSeconds),
          versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "HSM" },
          labels: labelsFor(args.labels, { purpose }),
        },
        keep,
      );
      this.keyIds[purpose] = key.id;
      (args.encrypters?.[purpose] ?? []).forEach((member, i) => {
        new kms.CryptoKeyIAMMember(
          `${name}-${purpose}-encrypter-${i}`,
          { cryptoKeyId: key.id, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member },
          { parent: this },
        );
      });
    }

    // Asymmetric keys cannot rotate automatically (a new version is a new address); rotation is a runbook step.
    const signing = new kms.CryptoKey(
      `${name}-signer`,
      {
        name: "executor-signer",
        keyRing: ring.id,
        purpose: "ASYMMETRIC_SIGN",
        destroyScheduledDuration: seconds(policy.destroyScheduledSeconds),
        versionTemplate: { algorithm: "EC_SIGN_SECP256K1_SHA256", protectionLevel: "HSM" },
        labels: labelsFor(args.labels, { purpose: "transaction-signing" }),
      },
      keep,
    );
    this.signingKeyId = signing.id;
    // One version, never rotated in place: another version is another address (rotation is a runbook step).
    this.signingKeyVersionId = pulumi.interpolate`${signing.id}/cryptoKeyVersions/1`;
    (args.signers ?? []).forEach((member, i) => {
      new kms.CryptoKeyIAMMember(
        `${name}-signer-${i}`,
        { cryptoKeyId: signing.id, role: "roles/cloudkms.signerVerifier", member },
        { parent: this },
      );
    });
    (args.publicKeyViewers ?? []).forEach((member, i) => {
      new kms.CryptoKeyIAMMember(
        `${name}-signer-viewer-${i}`,
        { cryptoKeyId: signing.id, role: "roles/cloudkms.publicKeyViewer", member },
        { parent: this },
      );
    });

    this.registerOutputs({
      keyRingId: this.keyRingId,
      keyIds: this.keyIds,
      signingKeyId: this.signingKeyId,
      signingKeyVersionId: this.signingKeyVersionId,
    });
  }
}
