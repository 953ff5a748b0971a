import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy } from "./factory.ts";
import { durationSeconds, isPublicMember, membersOf, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

export const KMS_KEY = "gcp:kms/cryptoKey:CryptoKey";
export const KMS_IAM_TYPES = [
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
  "gcp:kms/keyRingIAMMember:KeyRingIAMMember",
  "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding",
];
const PROJECT_IAM_TYPES = ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"];

const DAY = 86_400;
const NINETY_DAYS = 90 * DAY;
const THIRTY_DAYS = 30 * DAY;
/** Classifications whose data counts as financial (KMS-003): the platform's ledger, trades and keys. */
const HSM_CLASSIFICATIONS = ["restricted"];

export const kmsRotation = () =>
  resourcePolicy({
    name: "kms-symmetric-key-rotation",
    description: "Symmetric Cloud KMS keys must rotate at least every 90 days.",
    controls: ["KMS-001"],
    types: [KMS_KEY],
    check: (props, args, report) => {
      const purpose = str(props, "purpose") ?? "ENCRYPT_DECRYPT";
      // Only symmetric keys can rotate automatically; asymmetric and MAC keys are rotated by new versions.
      if (purpose !== "ENCRYPT_DECRYPT") return args.notApplicable("Only symmetric keys rotate automatically");
      const period = durationSeconds(props["rotationPeriod"]);
      if (period === undefined || period < DAY || period > NINETY_DAYS) {
        report("KMS-001", "rotationPeriod must be between 86400s and 7776000s.");
      }
    },
  });

export const kmsDestroyProtection = () =>
  resourcePolicy({
    name: "kms-key-destroy-protection",
    description: "Cloud KMS keys must be protected from deletion and keep destroyed versions for 30 days.",
    controls: ["KMS-002"],
    types: [KMS_KEY],
    check: (props, args, report) => {
      if (!args.opts.protect && str(props, "deletionPolicy") !== "PREVENT") {
        report("KMS-002", "The key must be protected (protect option or deletionPolicy PREVENT).");
      }
      if ((durationSeconds(props["destroyScheduledDuration"]) ?? 0) < THIRTY_DAYS) {
        report("KMS-002", "destroyScheduledDuration must be at least 2592000s.");
      }
    },
  });

export const kmsHsm = () =>
  resourcePolicy({
    name: "kms-hsm-for-signing-and-financial-keys",
    description: "Signing keys and keys protecting restricted (financial) data must be HSM-backed.",
    controls: ["KMS-003"],
    types: [KMS_KEY],
    check: (props, args, report) => {
      const signing = (str(props, "purpose") ?? "").startsWith("ASYMMETRIC_SIGN");
      const financial = HSM_CLASSIFICATIONS.includes(str(props, "labels.data-classification") ?? "");
      if (!signing && !financial) return args.notApplicable("Neither a signing key nor one for restricted data");
      if (str(props, "versionTemplate.protectionLevel") !== "HSM") {
        report("KMS-003", "versionTemplate.protectionLevel must be HSM.");
      }
    },
  });

export const kmsNotPublic = () =>
  resourcePolicy({
    name: "kms-iam-not-public",
    description: "Cloud KMS keys and key rings must not be granted to allUsers or allAuthenticatedUsers.",
    controls: ["KMS-004"],
    types: KMS_IAM_TYPES,
    check: (props, _args, report) => {
      for (const m of membersOf(props).filter(isPublicMember)) report("KMS-004", `KMS IAM must not grant to ${m}.`);
    },
  });

const KEY_USE_ROLES = new Set([
  "roles/cloudkms.cryptoKeyEncrypterDecrypter",
  "roles/cloudkms.cryptoKeyEncrypter",
  "roles/cloudkms.cryptoKeyDecrypter",
  "roles/cloudkms.signer",
  "roles/cloudkms.signerVerifier",
]);

function grants(resources: readonly PolicyResource[]): Array<{ member: string; role: string; urn: string }> {
  const out: Array<{ member: string; role: string; urn: string }> = [];
  for (const r of resources) {
    if (!KMS_IAM_TYPES.includes(r.type) && !PROJECT_IAM_TYPES.includes(r.type)) continue;
    const role = str(r.props, "role");
    if (role === undefined) continue;
    for (const member of membersOf(r.props)) out.push({ member, role, urn: r.urn });
  }
  return out;
}

export const kmsSeparationOfDuties = () =>
  stackPolicy({
    name: "kms-separation-of-duties",
    description: "No principal may both administer Cloud KMS and use keys to encrypt, decrypt or sign.",
    controls: ["KMS-005"],
    types: [...KMS_IAM_TYPES, ...PROJECT_IAM_TYPES],
    examines: [...KMS_IAM_TYPES, ...PROJECT_IAM_TYPES],
    check: (resources, _args, report) => {
      const all = grants(resources);
      const admins = new Set(all.filter((g) => g.role === "roles/cloudkms.admin").map((g) => g.member));
      const users = new Set(all.filter((g) => KEY_USE_ROLES.has(g.role)).map((g) => g.member));
      // The finding lands on each grant that makes up the conflict, so it names the resources to change.
      for (const m of [...admins].filter((a) => users.has(a)).sort()) {
        for (const g of all.filter(
          (x) => x.member === m && (x.role === "roles/cloudkms.admin" || KEY_USE_ROLES.has(x.role)),
        )) {
          report(
            "KMS-005",
            `${m} must not hold roles/cloudkms.admin together with a key encrypter, decrypter or signer role.`,
            g.urn,
          );
        }
      }
    },
  });

export function kmsPolicies(): OrionPolicy[] {
  return [kmsRotation(), kmsDestroyProtection(), kmsHsm(), kmsNotPublic(), kmsSeparationOfDuties()];
}
