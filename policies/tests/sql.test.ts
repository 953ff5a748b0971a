import { sqlPolicies } from "../sql.ts";
import { describe, expect, it } from "vitest";
import { keyPath, PRIMARY } from "./fixtures/stack.ts";
import {
  brokenStack,
  findings,
  PROD_SETTINGS,
  policySpec,
  setPath,
  toEvalResources,
  type PolicyCase,
} from "./harness.ts";

const flag = (name: string, value: string | undefined) => (inputs: Record<string, unknown>) => {
  const settings = inputs["settings"] as { databaseFlags: Array<{ name: string; value: string }> };
  settings.databaseFlags = settings.databaseFlags.filter((f) => f.name !== name);
  if (value !== undefined) settings.databaseFlags.push({ name, value });
};

const cases: PolicyCase[] = [
  {
    policy: "cloudsql-backups-in-another-region",
    breaks: "backups kept in the primary's own region (a regional loss takes them too)",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.backupConfiguration.location", "us-east4"),
    expect: ["SQL-016"],
  },
  {
    policy: "cloudsql-backups-in-another-region",
    breaks: "backups copied to a region the stack does not approve",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.backupConfiguration.location", "europe-west1"),
    expect: ["SQL-016"],
  },
  {
    policy: "cloudsql-require-trusted-client-certificates",
    breaks: "sslMode ENCRYPTED_ONLY",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.ipConfiguration.sslMode", "ENCRYPTED_ONLY"),
    expect: ["SQL-001"],
  },
  {
    policy: "cloudsql-require-trusted-client-certificates",
    breaks: "no sslMode on a replica",
    target: "pg-replica",
    mutate: (i) => setPath(i, "settings.ipConfiguration.sslMode", undefined),
    expect: ["SQL-001"],
  },
  {
    policy: "cloudsql-private-ip-only",
    breaks: "public IPv4",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.ipConfiguration.ipv4Enabled", true),
    expect: ["SQL-002"],
  },
  {
    policy: "cloudsql-private-ip-only",
    breaks: "no private network",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.ipConfiguration.privateNetwork", undefined),
    expect: ["SQL-002"],
  },
  {
    policy: "cloudsql-private-ip-only",
    breaks: "authorized 0.0.0.0/0",
    target: "pg-primary",
    mutate: (i) =>
      setPath(i, "settings.ipConfiguration.authorizedNetworks", [
        { name: "office", value: "203.0.113.0/24" },
        { name: "any", value: "0.0.0.0/0" },
      ]),
    expect: ["SQL-003"],
  },
  {
    policy: "cloudsql-backups-with-pitr",
    breaks: "backups off",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.backupConfiguration.enabled", false),
    expect: ["SQL-004"],
  },
  {
    policy: "cloudsql-backups-with-pitr",
    breaks: "13 retained backups",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.backupConfiguration.backupRetentionSettings.retainedBackups", 13),
    expect: ["SQL-004"],
  },
  {
    policy: "cloudsql-backups-with-pitr",
    breaks: "no PITR, 3 days of logs",
    target: "pg-primary",
    mutate: (i) => {
      setPath(i, "settings.backupConfiguration.pointInTimeRecoveryEnabled", false);
      setPath(i, "settings.backupConfiguration.transactionLogRetentionDays", 3);
    },
    expect: ["SQL-004"],
  },
  {
    policy: "cloudsql-regional-availability",
    breaks: "zonal primary",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.availabilityType", "ZONAL"),
    expect: ["SQL-005"],
  },
  {
    policy: "cloudsql-cross-region-replica",
    breaks: "replica in the primary's region",
    target: "pg-replica",
    mutate: (i) => {
      i["region"] = PRIMARY;
      i["encryptionKeyName"] = keyPath(PRIMARY, "sql");
    },
    expect: ["SQL-005"],
  },
  { policy: "cloudsql-cross-region-replica", breaks: "no replica", remove: ["pg-replica"], expect: ["SQL-005"] },
  {
    policy: "cloudsql-deletion-protection",
    breaks: "API deletion protection off",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.deletionProtectionEnabled", false),
    expect: ["SQL-006"],
  },
  {
    policy: "cloudsql-deletion-protection",
    breaks: "Pulumi deletion protection off",
    target: "pg-replica",
    mutate: (i) => setPath(i, "deletionProtection", false),
    expect: ["SQL-006"],
  },
  {
    policy: "cloudsql-cmek-in-own-region",
    breaks: "no CMEK",
    target: "pg-primary",
    mutate: (i) => setPath(i, "encryptionKeyName", undefined),
    expect: ["SQL-007"],
  },
  {
    policy: "cloudsql-cmek-in-own-region",
    breaks: "replica keyed in the primary's region",
    target: "pg-replica",
    mutate: (i) => setPath(i, "encryptionKeyName", keyPath(PRIMARY, "sql")),
    expect: ["SQL-007"],
  },
  {
    policy: "cloudsql-log-connections",
    breaks: "log_disconnections off",
    target: "pg-primary",
    mutate: flag("log_disconnections", "off"),
    expect: ["SQL-008"],
  },
  {
    policy: "cloudsql-log-statements",
    breaks: "log_statement none",
    target: "pg-primary",
    mutate: flag("log_statement", "none"),
    expect: ["SQL-009"],
  },
  {
    policy: "cloudsql-log-statements",
    breaks: "log_min_messages notice",
    target: "pg-primary",
    mutate: flag("log_min_messages", "notice"),
    expect: ["SQL-010"],
  },
  {
    policy: "cloudsql-log-statements",
    breaks: "no log_min_error_statement",
    target: "pg-primary",
    mutate: flag("log_min_error_statement", undefined),
    expect: ["SQL-010"],
  },
  {
    policy: "cloudsql-log-statements",
    breaks: "statement durations logged",
    target: "pg-primary",
    mutate: flag("log_min_duration_statement", "0"),
    expect: ["SQL-011"],
  },
  {
    policy: "cloudsql-log-statements",
    breaks: "verbose errors",
    target: "pg-replica",
    mutate: flag("log_error_verbosity", "verbose"),
    expect: ["SQL-011"],
  },
  {
    policy: "cloudsql-pgaudit",
    breaks: "pgaudit off",
    target: "pg-primary",
    mutate: flag("cloudsql.enable_pgaudit", "off"),
    expect: ["SQL-012"],
  },
  {
    policy: "cloudsql-pgaudit",
    breaks: "no pgaudit.log",
    target: "pg-primary",
    mutate: flag("pgaudit.log", undefined),
    expect: ["SQL-012"],
  },
  {
    policy: "cloudsql-iam-authentication",
    breaks: "IAM auth flag off",
    target: "pg-primary",
    mutate: flag("cloudsql.iam_authentication", "off"),
    expect: ["SQL-013"],
  },
  {
    policy: "cloudsql-iam-authentication",
    breaks: "a built-in password user",
    target: "executor-db-user",
    mutate: (i) => setPath(i, "type", undefined),
    expect: ["SQL-013"],
  },
  {
    policy: "cloudsql-connector-or-password-policy",
    breaks: "connector optional, no password policy",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.connectorEnforcement", "NOT_REQUIRED"),
    expect: ["SQL-014"],
  },
  {
    policy: "cloudsql-connector-or-password-policy",
    breaks: "password policy of 8 characters",
    target: "pg-primary",
    mutate: (i) => {
      setPath(i, "settings.connectorEnforcement", undefined);
      setPath(i, "settings.passwordValidationPolicy", { enablePasswordPolicy: true, minLength: 8 });
    },
    expect: ["SQL-014"],
  },
  {
    policy: "cloudsql-maintenance-and-version",
    breaks: "PostgreSQL 15",
    target: "pg-primary",
    mutate: (i) => setPath(i, "databaseVersion", "POSTGRES_15"),
    expect: ["SQL-015"],
  },
  {
    policy: "cloudsql-maintenance-and-version",
    breaks: "no maintenance window",
    target: "pg-replica",
    mutate: (i) => setPath(i, "settings.maintenanceWindow", undefined),
    expect: ["SQL-015"],
  },
];

policySpec("sql", sqlPolicies, cases);

describe("cloudsql-cross-region-replica outside prod", () => {
  it("does not apply: a single-region database is allowed in dev", async () => {
    const dev = sqlPolicies({ ...PROD_SETTINGS, environment: "dev" }).filter(
      (p) => p.name === "cloudsql-cross-region-replica",
    );
    const stack = toEvalResources(brokenStack({ policy: "", breaks: "", remove: ["pg-replica"], expect: [] }));
    expect(await findings(dev, stack)).toEqual([]);
  });
});

describe("SQL-011 accepts what CIS accepts", () => {
  it.each(["default", "terse", "TERSE"])("log_error_verbosity=%s passes", async (value) => {
    const stack = brokenStack({
      policy: "",
      breaks: "",
      target: "pg-primary",
      mutate: flag("log_error_verbosity", value),
      expect: [],
    });
    const policies = sqlPolicies(PROD_SETTINGS).filter((p) => p.controls.includes("SQL-011"));
    expect(await findings(policies, toEvalResources(stack))).toEqual([]);
  });
});
