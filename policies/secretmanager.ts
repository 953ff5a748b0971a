import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, durationSeconds, isSet, list, membersOf, str } from "./props.ts";
import type { OrionPolicy, PolicySettings } from "./types.ts";

export const SECRET = "gcp:secretmanager/secret:Secret";
export const SECRET_IAM_TYPES = [
  "gcp:secretmanager/secretIamMember:SecretIamMember",
  "gcp:secretmanager/secretIamBinding:SecretIamBinding",
];
const PROJECT_IAM_TYPES = ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"];
const ACCESSOR = "roles/secretmanager.secretAccessor";
const SUBSCRIPTION = "gcp:pubsub/subscription:Subscription";
const NINETY_DAYS = 7_776_000;

export const secretReplication = (settings: PolicySettings) =>
  resourcePolicy({
    name: "secret-user-managed-replication-cmek",
    description: "Secrets must replicate only to the stack's regions, each replica with a customer-managed key.",
    controls: ["SEC-001"],
    types: [SECRET],
    settings: { from: settings, reads: ["approvedRegions"] },
    check: (props, _args, report, settings) => {
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

/** A topic reference ("projects/p/topics/t", a topic's id, or "t") reduced to the topic's name. */
const topicName = (ref: unknown): string => {
  const text = typeof ref === "string" ? ref : "";
  return text.slice(text.lastIndexOf("/") + 1);
};

/** Why a subscription cannot be counted on to consume the rotation topic, or undefined when it can. */
function unreliable(sub: PolicyResource): string | undefined {
  // Pub/Sub deletes a subscription after 31 idle days by default; a 90-day reminder would find nobody listening.
  if (str(sub.props, "expirationPolicy.ttl") !== "") return 'expirationPolicy.ttl must be "" (never expire)';
  if (!isSet(at(sub.props, "deadLetterPolicy.deadLetterTopic"))) return "deadLetterPolicy.deadLetterTopic must be set";
  return undefined;
}

export const secretRotationConsumed = () =>
  stackPolicy({
    name: "secret-rotation-topic-consumed",
    description: "Every topic that secrets send rotation reminders to must have a lasting subscription in the stack.",
    controls: ["SEC-002"],
    types: [SECRET],
    examines: [SECRET, SUBSCRIPTION],
    check: (resources, _args, report) => {
      const subscriptions = resources.filter((r) => r.type === SUBSCRIPTION);
      const reported = new Set<string>();
      for (const secret of resources.filter((r) => r.type === SECRET)) {
        if (str(secret.props, "labels.rotation") === "manual") continue;
        for (const topic of list(secret.props, "topics").map((t) => topicName(at(t, "name")))) {
          if (topic === "" || reported.has(topic)) continue;
          const consumers = subscriptions.filter((s) => topicName(at(s.props, "topic")) === topic);
          const reasons = consumers.map(unreliable);
          if (reasons.some((r) => r === undefined)) continue;
          reported.add(topic);
          report(
            "SEC-002",
            consumers.length === 0
              ? `rotation topic ${topic} must have a subscription that handles its reminders.`
              : `rotation topic ${topic} must have a subscription that lasts: ${reasons.join("; ")}.`,
            secret.urn,
          );
        }
      }
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
  return [secretReplication(settings), secretRotation(), secretRotationConsumed(), secretAccessors()];
}
