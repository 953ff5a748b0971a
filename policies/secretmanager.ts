import { resourcePolicy } from "./factory.ts";
import { at, durationSeconds, isSet, list, membersOf, str } from "./props.ts";
import type { OrionPolicy, PolicySettings } from "./types.ts";

export const SECRET = "gcp:secretmanager/secret:Secret";
export const SECRET_IAM_TYPES = [
  "gcp:secretmanager/secretIamMember:SecretIamMember",
  "gcp:secretmanager/secretIamBinding:SecretIamBinding",
];
const PROJECT_IAM_TYPES = ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"];
const ACCESSOR = "roles/secretmanager.secretAccessor";
const NINETY_DAYS = 7_776_000;

export const secretReplication = (settings: PolicySettings) =>
  resourcePolicy({
    name: "secret-user-managed-replication-cmek",
    description: "Secrets must replicate only to the stack's regions, each replica with a customer-managed key.",
    controls: ["SEC-001"],
    types: [SECRET],
    check: (props, _args, report) => {
      const replicas = list(props, "replication.userManaged.replicas");
      if (replicas.length === 0) {
        report(
          "SEC-001",
          "replication.userManaged.replicas must list the stack's regions (not automatic replication).",
        );
        return;
      }
      for (const replica of replicas) {
        const location = str(replica, "location") ?? "";
        if (settings.approvedRegions !== undefined && !settings.approvedRegions.includes(location)) {
          report("SEC-001", `replica location ${location} must be one of ${settings.approvedRegions.join(", ")}.`);
        }
        if (!isSet(at(replica, "customerManagedEncryption.kmsKeyName"))) {
          report("SEC-001", `replica ${location} must set customerManagedEncryption.kmsKeyName.`);
        }
      }
    },
  });

export const secretRotation = () =>
  resourcePolicy({
    name: "secret-rotation-90-days",
    description: "Rotatable secrets must rotate at least every 90 days and notify a topic.",
    controls: ["SEC-002"],
    types: [SECRET],
    check: (props, args, report) => {
      // A vendor-issued credential only the vendor can rotate is labelled rotation=manual and reviewed by hand.
      if (str(props, "labels.rotation") === "manual") return args.notApplicable("Rotated by hand (rotation=manual)");
      const period = durationSeconds(at(props, "rotation.rotationPeriod"));
      if (period === undefined || period > NINETY_DAYS) {
        report("SEC-002", "rotation.rotationPeriod must be at most 7776000s.");
      }
      if (list(props, "topics").length === 0) report("SEC-002", "topics must name a rotation notification topic.");
    },
  });

export const secretAccessors = () =>
  resourcePolicy({
    name: "secret-accessor-runtime-accounts-only",
    description: "Only runtime service accounts may read secrets, each granted on the secret, never on the project.",
    controls: ["SEC-003"],
    types: [...SECRET_IAM_TYPES, ...PROJECT_IAM_TYPES],
    check: (props, args, report) => {
      if (str(props, "role") !== ACCESSOR) return args.notApplicable("Not a secretAccessor grant");
      if (PROJECT_IAM_TYPES.includes(args.type)) {
        report("SEC-003", `${ACCESSOR} must be granted on each secret, not at project level.`);
        return;
      }
      for (const m of membersOf(props).filter((m) => !m.startsWith("serviceAccount:"))) {
        report("SEC-003", `${ACCESSOR} must be granted only to service accounts, not ${m}.`);
      }
    },
  });

export function secretManagerPolicies(settings: PolicySettings): OrionPolicy[] {
  return [secretReplication(settings), secretRotation(), secretAccessors()];
}
