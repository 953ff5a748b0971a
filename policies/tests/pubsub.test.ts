import { pubsubPolicies } from "../pubsub.ts";
import { PROD_SETTINGS, policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "pubsub-topic-cmek",
    breaks: "no CMEK",
    target: "trades",
    mutate: (i) => setPath(i, "kmsKeyName", undefined),
    expect: ["PS-001"],
  },
  {
    policy: "pubsub-topic-iam-not-public",
    breaks: "subscriber allUsers",
    add: [
      {
        type: "gcp:pubsub/topicIAMBinding:TopicIAMBinding",
        name: "open",
        inputs: { topic: "ao-prod-trades", role: "roles/pubsub.subscriber", members: ["allUsers"] },
      },
    ],
    expect: ["PS-002"],
  },
  {
    policy: "pubsub-message-storage-approved-regions",
    breaks: "an unapproved region",
    target: "trades",
    mutate: (i) => setPath(i, "messageStoragePolicy.allowedPersistenceRegions", ["us-east4", "southamerica-east1"]),
    expect: ["PS-003"],
  },
  {
    policy: "pubsub-message-storage-approved-regions",
    breaks: "no storage policy",
    target: "trades",
    mutate: (i) => setPath(i, "messageStoragePolicy", undefined),
    expect: ["PS-003"],
  },
  {
    policy: "pubsub-message-storage-approved-regions",
    breaks: "a region outside a narrower approval",
    settings: { ...PROD_SETTINGS, approvedRegions: ["us-east4"] },
    expect: ["PS-003"],
  },
  {
    policy: "pubsub-message-storage-approved-regions",
    breaks: "no configuration: a region where the stack has no subnetwork",
    settings: { ...PROD_SETTINGS, approvedRegions: undefined },
    target: "trades",
    mutate: (i) => setPath(i, "messageStoragePolicy.allowedPersistenceRegions", ["us-east4", "europe-west1"]),
    expect: ["PS-003"],
  },
];

policySpec("pubsub", pubsubPolicies, cases);
