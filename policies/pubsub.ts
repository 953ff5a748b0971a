import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, isPublicMember, isSet, list, membersOf, str } from "./props.ts";
import type { OrionPolicy, PolicySettings } from "./types.ts";

export const TOPIC = "gcp:pubsub/topic:Topic";
export const TOPIC_IAM_TYPES = [
  "gcp:pubsub/topicIAMMember:TopicIAMMember",
  "gcp:pubsub/topicIAMBinding:TopicIAMBinding",
];

export const pubsubCmek = () =>
  resourcePolicy({
    name: "pubsub-topic-cmek",
    description: "Pub/Sub topics must be encrypted with a customer-managed key.",
    controls: ["PS-001"],
    types: [TOPIC],
    check: (props, _args, report) => {
      if (!isSet(at(props, "kmsKeyName"))) report("PS-001", "kmsKeyName must name a Cloud KMS key.");
    },
  });

export const pubsubNotPublic = () =>
  resourcePolicy({
    name: "pubsub-topic-iam-not-public",
    description: "Pub/Sub topics must not be granted to allUsers or allAuthenticatedUsers.",
    controls: ["PS-002"],
    types: TOPIC_IAM_TYPES,
    check: (props, _args, report) => {
      for (const m of membersOf(props).filter(isPublicMember)) report("PS-002", `Topic IAM must not grant to ${m}.`);
    },
  });

const SUBNETWORK = "gcp:compute/subnetwork:Subnetwork";

/** The stack's approved regions: its configuration's, else the regions its subnetworks (its footprint) are in. */
function approvedRegions(settings: PolicySettings, resources: readonly PolicyResource[]): string[] | undefined {
  if (settings.approvedRegions !== undefined) return [...settings.approvedRegions];
  const regions = resources.filter((r) => r.type === SUBNETWORK).map((r) => str(r.props, "region") ?? "");
  const found = [...new Set(regions.filter((r) => r !== ""))];
  return found.length > 0 ? found : undefined;
}

export const pubsubApprovedRegions = (settings: PolicySettings) =>
  stackPolicy({
    name: "pubsub-message-storage-approved-regions",
    description: "Pub/Sub topics must persist messages only in the stack's approved regions.",
    controls: ["PS-003"],
    types: [TOPIC],
    examines: [TOPIC, SUBNETWORK],
    settings: { from: settings, reads: ["approvedRegions"] },
    check: (resources, _args, report, settings) => {
      const approved = approvedRegions(settings, resources);
      for (const topic of resources.filter((r) => r.type === TOPIC)) {
        const regions = list(topic.props, "messageStoragePolicy.allowedPersistenceRegions").map(String);
        if (regions.length === 0) {
          report(
            "PS-003",
            `Topic ${topic.name}: messageStoragePolicy.allowedPersistenceRegions must list the approved regions.`,
            topic.urn,
          );
          continue;
        }
        const outside = approved === undefined ? [] : regions.filter((r) => !approved.includes(r));
        if (outside.length > 0) {
          report(
            "PS-003",
            `Topic ${topic.name}: messageStoragePolicy.allowedPersistenceRegions must be within ${approved?.join(", ")} (not ${outside.join(", ")}).`,
            topic.urn,
          );
        }
      }
    },
  });

export function pubsubPolicies(settings: PolicySettings): OrionPolicy[] {
  return [pubsubCmek(), pubsubNotPublic(), pubsubApprovedRegions(settings)];
}
