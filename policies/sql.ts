import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy, type Props } from "./factory.ts";
import { at, isSet, isTrue, kmsKeyRegion, list, num, refersTo, str } from "./props.ts";
import type { OrionPolicy, PolicySettings } from "./types.ts";

export const SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance";
export const SQL_USER = "gcp:sql/user:User";
const KMS_KEY = "gcp:kms/cryptoKey:CryptoKey";
const KMS_KEY_RING = "gcp:kms/keyRing:KeyRing";

export function isReplica(props: Props): boolean {
  return isSet(at(props, "masterInstanceName")) || str(props, "instanceType") === "READ_REPLICA_INSTANCE";
}

/** databaseFlags as name -> value; the last one wins, as the API keeps it. */
export function databaseFlags(props: Props): Map<string, string> {
  const flags = new Map<string, string>();
  for (const f of list(props, "settings.databaseFlags")) {
    const name = str(f, "name");
    const value = at(f, "value");
    if (name !== undefined && value !== undefined && value !== null) flags.set(name, String(value).toLowerCase());
  }
  return flags;
}

// PostgreSQL's log levels from least to most severe; "warning or stricter" means at or after warning.
const PG_LEVELS = [
  "debug5",
  "debug4",
  "debug3",
  "debug2",
  "debug1",
  "info",
  "notice",
  "warning",
  "error",
  "log",
  "fatal",
  "panic",
];
function atLeast(value: string | undefined, floor: string): boolean {
  return value !== undefined && PG_LEVELS.indexOf(value) >= PG_LEVELS.indexOf(floor) && PG_LEVELS.includes(value);
}

export const sqlSslMode = () =>
  resourcePolicy({
    name: "cloudsql-require-trusted-client-certificates",
    description: "Cloud SQL instances must require TLS with trusted client certificates.",
    controls: ["SQL-001"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      if (str(props, "settings.ipConfiguration.sslMode") !== "TRUSTED_CLIENT_CERTIFICATE_REQUIRED") {
        report("SQL-001", "settings.ipConfiguration.sslMode must be TRUSTED_CLIENT_CERTIFICATE_REQUIRED.");
      }
    },
  });

export const sqlPrivateNetworking = () =>
  resourcePolicy({
    name: "cloudsql-private-ip-only",
    description:
      "Cloud SQL instances must have no public IP, must use private networking and authorize no world-open network.",
    controls: ["SQL-002", "SQL-003"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      const ip = "settings.ipConfiguration";
      // The API turns a public IPv4 address on unless told otherwise.
      if (at(props, `${ip}.ipv4Enabled`) !== false) report("SQL-002", `${ip}.ipv4Enabled must be false.`);
      if (!isSet(at(props, `${ip}.privateNetwork`)) && !isSet(at(props, `${ip}.pscConfigs`))) {
        report("SQL-002", `${ip}.privateNetwork (or pscConfigs) must be set.`);
      }
      for (const n of list(props, `${ip}.authorizedNetworks`)) {
        const cidr = str(n, "value");
        if (cidr !== undefined && cidr.endsWith("/0")) {
          report("SQL-003", `${ip}.authorizedNetworks must not include a network ending in /0 (found ${cidr}).`);
        }
      }
    },
  });

export const sqlBackups = () =>
  resourcePolicy({
    name: "cloudsql-backups-with-pitr",
    description: "Cloud SQL primaries must take backups with point-in-time recovery and keep them long enough.",
    controls: ["SQL-004"],
    types: [SQL_INSTANCE],
    check: (props, args, report) => {
      if (isReplica(props)) return args.notApplicable("Replicas take no backups of their own");
      const b = "settings.backupConfiguration";
      if (!isTrue(props, `${b}.enabled`)) report("SQL-004", `${b}.enabled must be true.`);
      if (!isTrue(props, `${b}.pointInTimeRecoveryEnabled`)) {
        report("SQL-004", `${b}.pointInTimeRecoveryEnabled must be true.`);
      }
      if ((num(props, `${b}.transactionLogRetentionDays`) ?? 0) < 7) {
        report("SQL-004", `${b}.transactionLogRetentionDays must be at least 7.`);
      }
      if ((num(props, `${b}.backupRetentionSettings.retainedBackups`) ?? 0) < 14) {
        report("SQL-004", `${b}.backupRetentionSettings.retainedBackups must be at least 14.`);
      }
    },
  });

export const sqlHighAvailability = () =>
  resourcePolicy({
    name: "cloudsql-regional-availability",
    description: "Cloud SQL primaries must be regional (high availability).",
    controls: ["SQL-005"],
    types: [SQL_INSTANCE],
    check: (props, args, report) => {
      if (isReplica(props)) return args.notApplicable("Replicas follow their primary's availability");
      if (str(props, "settings.availabilityType") !== "REGIONAL") {
        report("SQL-005", "settings.availabilityType must be REGIONAL on a primary.");
      }
    },
  });

export const sqlCrossRegionReplica = (settings: PolicySettings) =>
  stackPolicy({
    name: "cloudsql-cross-region-replica",
    description: "In prod every Cloud SQL primary must have a replica in another region.",
    controls: ["SQL-005"],
    types: [SQL_INSTANCE],
    examines: [SQL_INSTANCE],
    settings: { from: settings, reads: ["environment"] },
    check: (resources, args, report, settings) => {
      if (settings.environment !== "prod") return args.notApplicable("Cross-region replicas are required in prod only");
      const instances = resources.filter((r) => r.type === SQL_INSTANCE);
      const replicas = instances.filter((r) => isReplica(r.props));
      for (const primary of instances.filter((r) => !isReplica(r.props))) {
        const region = str(primary.props, "region");
        const elsewhere = replicas.some(
          (r) => refersTo(at(r.props, "masterInstanceName"), primary) && str(r.props, "region") !== region,
        );
        if (!elsewhere) {
          report(
            "SQL-005",
            `Primary ${primary.name} must have a replica (masterInstanceName) in a region other than ${region ?? "its own"}.`,
            primary.urn,
          );
        }
      }
    },
  });

export const sqlDeletionProtection = () =>
  resourcePolicy({
    name: "cloudsql-deletion-protection",
    description: "Cloud SQL instances must be protected against deletion in both the API and Pulumi.",
    controls: ["SQL-006"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      if (!isTrue(props, "settings.deletionProtectionEnabled")) {
        report("SQL-006", "settings.deletionProtectionEnabled must be true.");
      }
      if (!isTrue(props, "deletionProtection")) report("SQL-006", "deletionProtection must be true.");
    },
  });

/** The region of the key `ref` names: from its path, else from the key's ring in the same stack. */
function keyRegion(ref: string, resources: readonly PolicyResource[]): string | undefined {
  const fromPath = kmsKeyRegion(ref);
  if (fromPath) return fromPath;
  const key = resources.find((r) => r.type === KMS_KEY && refersTo(ref, r));
  const ringRef = key ? str(key.props, "keyRing") : undefined;
  if (ringRef === undefined) return undefined;
  const ringPath = kmsKeyRegion(`${ringRef}/`);
  if (ringPath) return ringPath;
  const ring = resources.find((r) => r.type === KMS_KEY_RING && refersTo(ringRef, r));
  return ring ? str(ring.props, "location") : undefined;
}

export const sqlCmekSameRegion = () =>
  stackPolicy({
    name: "cloudsql-cmek-in-own-region",
    description: "Every Cloud SQL instance must be encrypted with a customer-managed key in its own region.",
    controls: ["SQL-007"],
    types: [SQL_INSTANCE],
    examines: [SQL_INSTANCE, KMS_KEY, KMS_KEY_RING],
    check: (resources, _args, report) => {
      for (const db of resources.filter((r) => r.type === SQL_INSTANCE)) {
        const key = str(db.props, "encryptionKeyName");
        if (key === undefined || key === "") {
          report("SQL-007", `Instance ${db.name}: encryptionKeyName must be a customer-managed key.`, db.urn);
          continue;
        }
        const region = str(db.props, "region");
        const kr = keyRegion(key, resources);
        if (kr === undefined || kr !== region) {
          report(
            "SQL-007",
            `Instance ${db.name}: encryptionKeyName must be a key in ${region ?? "the instance's region"}, not ${kr ?? "an unresolvable location"}.`,
            db.urn,
          );
        }
      }
    },
  });

export const sqlConnectionLogging = () =>
  resourcePolicy({
    name: "cloudsql-log-connections",
    description: "Cloud SQL must log connections and disconnections.",
    controls: ["SQL-008"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      const flags = databaseFlags(props);
      for (const flag of ["log_connections", "log_disconnections"]) {
        if (flags.get(flag) !== "on") report("SQL-008", `databaseFlags ${flag} must be on.`);
      }
    },
  });

export const sqlStatementLogging = () =>
  resourcePolicy({
    name: "cloudsql-log-statements",
    description:
      "Cloud SQL must log DDL statements (or more) and every warning and errored statement, without statement durations.",
    controls: ["SQL-009", "SQL-010", "SQL-011"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      const flags = databaseFlags(props);
      if (!["ddl", "mod", "all"].includes(flags.get("log_statement") ?? "")) {
        report("SQL-009", "databaseFlags log_statement must be ddl, mod or all.");
      }
      if (!atLeast(flags.get("log_min_messages"), "warning")) {
        report("SQL-010", "databaseFlags log_min_messages must be warning or stricter.");
      }
      if (!atLeast(flags.get("log_min_error_statement"), "error")) {
        report("SQL-010", "databaseFlags log_min_error_statement must be error or stricter.");
      }
      if (flags.get("log_min_duration_statement") !== "-1") {
        report("SQL-011", "databaseFlags log_min_duration_statement must be -1.");
      }
      // CIS 6.2.1 accepts DEFAULT or stricter: TERSE logs less, only VERBOSE adds detail (and data) to the log.
      if (!["default", "terse"].includes((flags.get("log_error_verbosity") ?? "").toLowerCase())) {
        report("SQL-011", "databaseFlags log_error_verbosity must be default or stricter (terse).");
      }
    },
  });

export const sqlPgAudit = () =>
  resourcePolicy({
    name: "cloudsql-pgaudit",
    description: "Cloud SQL must run pgAudit with a log class set.",
    controls: ["SQL-012"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      const flags = databaseFlags(props);
      if (flags.get("cloudsql.enable_pgaudit") !== "on")
        report("SQL-012", "databaseFlags cloudsql.enable_pgaudit must be on.");
      if (!isSet(flags.get("pgaudit.log"))) report("SQL-012", "databaseFlags pgaudit.log must be set.");
    },
  });

const IAM_USER_TYPES = ["CLOUD_IAM_SERVICE_ACCOUNT", "CLOUD_IAM_USER", "CLOUD_IAM_GROUP"];

export const sqlIamAuthentication = () =>
  resourcePolicy({
    name: "cloudsql-iam-authentication",
    description: "Cloud SQL must use IAM database authentication and have no built-in password users.",
    controls: ["SQL-013"],
    types: [SQL_INSTANCE, SQL_USER],
    check: (props, args, report) => {
      if (args.type === SQL_USER) {
        if (!IAM_USER_TYPES.includes(str(props, "type") ?? "BUILT_IN")) {
          report(
            "SQL-013",
            "sql.User type must be CLOUD_IAM_SERVICE_ACCOUNT or CLOUD_IAM_USER, not a built-in password user.",
          );
        }
        return;
      }
      if (databaseFlags(props).get("cloudsql.iam_authentication") !== "on") {
        report("SQL-013", "databaseFlags cloudsql.iam_authentication must be on.");
      }
    },
  });

export const sqlConnectorOrPasswordPolicy = () =>
  resourcePolicy({
    name: "cloudsql-connector-or-password-policy",
    description:
      "Cloud SQL must require the Cloud SQL connectors or enforce a password policy of at least 12 characters.",
    controls: ["SQL-014"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      const connector = str(props, "settings.connectorEnforcement") === "REQUIRED";
      const p = "settings.passwordValidationPolicy";
      const passwords = isTrue(props, `${p}.enablePasswordPolicy`) && (num(props, `${p}.minLength`) ?? 0) >= 12;
      if (!connector && !passwords) {
        report(
          "SQL-014",
          `settings.connectorEnforcement must be REQUIRED, or ${p} must enable a policy with minLength >= 12.`,
        );
      }
    },
  });

export const sqlMaintenance = () =>
  resourcePolicy({
    name: "cloudsql-maintenance-and-version",
    description: "Cloud SQL must have a maintenance window and run PostgreSQL 16 or later.",
    controls: ["SQL-015"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      if (!isSet(at(props, "settings.maintenanceWindow"))) report("SQL-015", "settings.maintenanceWindow must be set.");
      const m = /^POSTGRES_(\d+)$/.exec(str(props, "databaseVersion") ?? "");
      if (!m || Number(m[1]) < 16) report("SQL-015", "databaseVersion must be POSTGRES_16 or later.");
    },
  });

export const sqlBackupElsewhere = (settings: PolicySettings) =>
  resourcePolicy({
    name: "cloudsql-backups-in-another-region",
    description: "Cloud SQL primaries must keep their backups in another region than their own.",
    controls: ["SQL-016"],
    types: [SQL_INSTANCE],
    settings: { from: settings, reads: ["approvedRegions"] },
    check: (props, args, report, settings) => {
      if (isReplica(props)) return args.notApplicable("Replicas take no backups of their own");
      // A one-region stack has no other approved region to copy to; there the control does not apply.
      if ((settings.approvedRegions?.length ?? 0) < 2) return args.notApplicable("The stack has one approved region");
      const location = str(props, "settings.backupConfiguration.location");
      if (location === undefined || location === str(props, "region")) {
        report(
          "SQL-016",
          "settings.backupConfiguration.location must be another region than the instance's, so a regional loss keeps the backups.",
        );
      } else if (settings.approvedRegions !== undefined && !settings.approvedRegions.includes(location)) {
        report("SQL-016", `settings.backupConfiguration.location must be an approved region, not ${location}.`);
      }
    },
  });

export function sqlPolicies(settings: PolicySettings): OrionPolicy[] {
  return [
    sqlSslMode(),
    sqlPrivateNetworking(),
    sqlBackups(),
    sqlHighAvailability(),
    sqlCrossRegionReplica(settings),
    sqlDeletionProtection(),
    sqlCmekSameRegion(),
    sqlConnectionLogging(),
    sqlStatementLogging(),
    sqlPgAudit(),
    sqlIamAuthentication(),
    sqlConnectorOrPasswordPolicy(),
    sqlMaintenance(),
    sqlBackupElsewhere(settings),
  ];
}
