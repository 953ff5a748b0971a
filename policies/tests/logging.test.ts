import { loggingPolicies } from "../logging.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "audit-config-all-services",
    breaks: "DATA_READ missing",
    target: "audit-all-services",
    mutate: (i) => setPath(i, "auditLogConfigs", [{ logType: "ADMIN_READ" }, { logType: "DATA_WRITE" }]),
    expect: ["LOG-001"],
  },
  {
    policy: "audit-config-all-services",
    breaks: "an exempted member",
    target: "audit-all-services",
    mutate: (i) =>
      setPath(
        i,
        "auditLogConfigs",
        ["ADMIN_READ", "DATA_READ", "DATA_WRITE"].map((logType) => ({
          logType,
          exemptedMembers: ["user:ceo@example.com"],
        })),
      ),
    expect: ["LOG-001"],
  },
  { policy: "audit-config-present", breaks: "no audit config", remove: ["audit-all-services"], expect: ["LOG-001"] },
  { policy: "audit-log-sink", breaks: "no sink", remove: ["audit-sink"], expect: ["LOG-002"] },
  {
    policy: "audit-log-sink",
    breaks: "shared writer identity",
    target: "audit-sink",
    mutate: (i) => setPath(i, "uniqueWriterIdentity", false),
    expect: ["LOG-002"],
  },
  {
    policy: "audit-log-sink",
    breaks: "filter drops audit logs",
    target: "audit-sink",
    mutate: (i) => setPath(i, "filter", 'resource.type="cloud_run_revision"'),
    expect: ["LOG-002"],
  },
  {
    policy: "audit-log-sink",
    breaks: "routes to a bucket that is not the audit bucket",
    target: "audit-sink",
    mutate: (i) => setPath(i, "destination", "storage.googleapis.com/ao-prod-exports"),
    expect: ["LOG-002"],
  },
  {
    policy: "log-bucket-locked-retention-cmek",
    breaks: "30 days, unlocked, no CMEK",
    target: "audit-log-bucket",
    mutate: (i) => {
      setPath(i, "retentionDays", 30);
      setPath(i, "locked", false);
      setPath(i, "cmekSettings", undefined);
    },
    expect: ["LOG-003"],
  },
  {
    policy: "log-bucket-locked-retention-cmek",
    breaks: "trade records kept one year",
    target: "audit-log-bucket",
    mutate: (i) => {
      setPath(i, "bucketId", "ao-prod-trades");
      setPath(i, "retentionDays", 365);
    },
    expect: ["LOG-003"],
  },
  {
    policy: "security-change-alerts",
    breaks: "no firewall-change metric",
    remove: ["metric-firewall-changes"],
    expect: ["LOG-004"],
  },
  {
    policy: "security-change-alerts",
    breaks: "alert without channels",
    target: "alert-iam-changes",
    mutate: (i) => setPath(i, "notificationChannels", []),
    expect: ["LOG-004"],
  },
];

policySpec("logging", () => loggingPolicies(), cases);
