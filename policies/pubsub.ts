import { resourcePolicy } from "./factory.ts";
import { at, isPublicMember, isSet, list, membersOf } from "./props.ts";
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

export const pubsubApprovedRegions = (settings: PolicySettings) =>
  resourcePolicy({
    name: "pubsub-message-storage-approved-regions",
    description: "Pub/Sub topics must persist messages only in the stack's approved regions.",
    controls: ["PS-003"],
    types: [TOPIC],
    check: (props, _args, report) => {
      const regions = list(props, "messageStoragePolicy.allowedPersistenceRegions").map(String);
      if (regions.length === 0) {
        report("PS-003", "messageStoragePolicy.allowedPersistenceRegions must list the approved regions.");
        return;
      }
      const approved = settings.approvedRegions;
      const outside = approved === undefined ? [] : regions.filter((r) => !approved.includes(r));
      if (outside.length > 0) {
        report(
          "PS-003",
          `messageStoragePolicy.allowedPersistenceRegions must be within ${approved?.join(", ")} (not ${outside.join(", ")}).`,
        );
      }
    },
  });

export function pubsubPolicies(settings: PolicySettings): OrionPolicy[] {
  return [pubsubCmek(), pubsubNotPublic(), pubsubApprovedRegions(settings)];
}
