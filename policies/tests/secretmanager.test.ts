import { secretManagerPolicies } from "../secretmanager.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "secret-user-managed-replication-cmek",
    breaks: "automatic replication",
    target: "db-password",
    mutate: (i) => setPath(i, "replication", { auto: {} }),
    expect: ["SEC-001"],
  },
  {
    policy: "secret-user-managed-replication-cmek",
    breaks: "a replica outside the approved regions without a key",
    target: "db-password",
    mutate: (i) => setPath(i, "replication.userManaged.replicas", [{ location: "australia-southeast1" }]),
    expect: ["SEC-001"],
  },
  {
    policy: "secret-rotation-90-days",
    breaks: "yearly rotation",
    target: "db-password",
    mutate: (i) => setPath(i, "rotation.rotationPeriod", "31536000s"),
    expect: ["SEC-002"],
  },
  {
    policy: "secret-rotation-90-days",
    breaks: "no notification topic",
    target: "db-password",
    mutate: (i) => setPath(i, "topics", undefined),
    expect: ["SEC-002"],
  },
  {
    policy: "secret-rotation-topic-consumed",
    breaks: "a rotation topic nobody subscribes to",
    remove: ["secret-rotation-reminders"],
    expect: ["SEC-002"],
  },
  {
    policy: "secret-rotation-topic-consumed",
    breaks: "a subscription on another topic",
    target: "secret-rotation-reminders",
    mutate: (i) => setPath(i, "topic", "projects/p/topics/ao-prod-trades"),
    expect: ["SEC-002"],
  },
  {
    policy: "secret-rotation-topic-consumed",
    breaks: "the consumer expires after 31 idle days (the default)",
    target: "secret-rotation-reminders",
    mutate: (i) => setPath(i, "expirationPolicy", undefined),
    expect: ["SEC-002"],
  },
  {
    policy: "secret-rotation-topic-consumed",
    breaks: "the consumer has no dead-letter topic",
    target: "secret-rotation-reminders",
    mutate: (i) => setPath(i, "deadLetterPolicy", undefined),
    expect: ["SEC-002"],
  },
  {
    policy: "secret-accessor-runtime-accounts-only",
    breaks: "a person reads the secret",
    target: "api-reads-db-password",
    mutate: (i) => setPath(i, "member", "user:alice@example.com"),
    expect: ["SEC-003"],
  },
  {
    policy: "secret-accessor-runtime-accounts-only",
    breaks: "project-wide secretAccessor",
    add: [
      {
        type: "gcp:projects/iAMMember:IAMMember",
        name: "all-secrets",
        inputs: {
          project: "p",
          role: "roles/secretmanager.secretAccessor",
          member: "serviceAccount:api@p.iam.gserviceaccount.com",
        },
      },
    ],
    expect: ["SEC-003"],
  },
];

policySpec("secretmanager", secretManagerPolicies, cases);
