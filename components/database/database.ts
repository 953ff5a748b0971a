import * as pulumi from "@pulumi/pulumi";
import * as sql from "@pulumi/gcp/sql/index.js";
import { validateLabels, labelsFor, type Labels } from "../common/labels.ts";
import { iamUserName, instanceNameFor, instancePlan, mergeFlags } from "./flags.ts";

export interface DatabaseArgs {
  project: string;
  prefix: string;
  primaryRegion: string;
  regions: readonly string[];
  /** region -> the SQL CMEK in that region: each instance uses its own region's key (SQL-007). */
  keys: Record<string, pulumi.Input<string>>;
  networkId: pulumi.Input<string>;
  /**
   * Service accounts (emails) that log in with IAM database authentication: the bots. Their users get no database
   * role of their own; the migrate job makes them members of orion_app.
   */
  iamUsers: Record<string, pulumi.Input<string>>;
  /**
   * The migrate job's service account (email). Its IAM user is the one member of cloudsqlsuperuser the stack makes:
   * Cloud SQL's databases belong to that role, and on PostgreSQL 15+ only the owner may create in schema public; it
   * also carries CREATEROLE (migration 103 creates orion_app). It owns what it creates, so the ledger's owner is a
   * role no bot logs in as.
   */
  owner?: pulumi.Input<string>;
  labels: Labels;
  /** Default db-custom-2-7680. */
  tier?: string;
  /** Default POSTGRES_16, the oldest version SQL-015 accepts. */
  databaseVersion?: "POSTGRES_16" | "POSTGRES_17";
  /** Automated backups kept. Default 30 (SQL-004 requires >= 14). */
  retainedBackups?: number;
  extraFlags?: Readonly<Record<string, string>>;
  /**
   * region -> generation (default 1). Cloud SQL keeps a deleted instance's name for up to a week, so an instance
   * rebuilt after a DR failover takes a new generation: "orion-prod-pg-us-central1-g2".
   */
  generations?: Readonly<Record<string, number>>;
  /** Resources that must exist first: Private Service Access, the agent's key grants. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Cloud SQL for PostgreSQL: a REGIONAL primary and a read replica in every other region, private IP only, client
 * certificates or the connector required, CMEK per region, PITR, audit flags and IAM authentication. Replicas share
 * tier, flags and labels with the primary by design.
 */
export class Database extends pulumi.ComponentResource {
  readonly primaryConnectionName: pulumi.Output<string>;
  readonly connectionNames: Record<string, pulumi.Output<string>>;
  readonly primaryName: pulumi.Output<string>;
  readonly databaseName: pulumi.Output<string>;
  /** The PostgreSQL role name of each IAM user (`iamUsers` key -> name), as the bots log in. */
  readonly iamUserNames: Record<string, pulumi.Output<string>>;
  /** The owner's (the migrate job's) PostgreSQL role name, when `owner` is set. */
  readonly ownerUserName: pulumi.Output<string> | undefined;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = instancePlan(args.primaryRegion, args.regions);
    for (const { region } of plan) {
      if (args.keys[region] === undefined)
        throw new Error(`Database ${name}: keys.${region} is missing (SQL-007 needs a CMEK per region)`);
    }
    // Backups live outside the primary's region (SQL-016): a regional disaster must not take the backups with it.
    // The first other region of the stack holds them; a one-region stack has nowhere else to put them.
    const backupLocation = args.regions.find((r) => r !== args.primaryRegion) ?? args.primaryRegion;
    const retained = args.retainedBackups ?? 30;
    if (args.owner !== undefined && "owner" in args.iamUsers) {
      throw new Error(`Database ${name}: iamUsers.owner clashes with the owner's user: name the bot otherwise`);
    }
    if (retained < 14) throw new Error(`Database ${name}: retainedBackups must be >= 14 (SQL-004), got ${retained}`);
    const flags = mergeFlags(args.extraFlags);
    validateLabels(args.labels, `Database ${name}`);
    super("alpha-orion:platform:Database", name, {}, opts);

    const settings = (region: string, primary: boolean): sql.DatabaseInstanceArgs["settings"] => ({
      tier: args.tier ?? "db-custom-2-7680",
      edition: "ENTERPRISE",
      availabilityType: "REGIONAL",
      diskType: "PD_SSD",
      // The disk starts at Cloud SQL's minimum and grows itself; pinning diskSize beside autoresize would fight the
      // growth on every refresh (FEAS-004).
      diskAutoresize: true,
      deletionProtectionEnabled: true,
      connectorEnforcement: "REQUIRED",
      ipConfiguration: {
        ipv4Enabled: false,
        privateNetwork: args.networkId,
        sslMode: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        enablePrivatePathForGoogleCloudServices: true,
      },
      passwordValidationPolicy: {
        enablePasswordPolicy: true,
        minLength: 16,
        complexity: "COMPLEXITY_DEFAULT",
        disallowUsernameSubstring: true,
        reuseInterval: 10,
      },
      backupConfiguration: primary
        ? {
            enabled: true,
            startTime: "02:00",
            location: backupLocation,
            pointInTimeRecoveryEnabled: true,
            transactionLogRetentionDays: 7,
            backupRetentionSettings: { retainedBackups: retained, retentionUnit: "COUNT" },
          }
        : { enabled: false },
      maintenanceWindow: { day: 7, hour: 3, updateTrack: "stable" },
      insightsConfig: { queryInsightsEnabled: true, recordApplicationTags: true, recordClientAddress: false },
      databaseFlags: flags,
      userLabels: labelsFor(args.labels, { role: primary ? "primary" : "replica", region }),
    });

    const primaryPlan = plan.find((p) => p.role === "primary");
    if (!primaryPlan) throw new Error(`Database ${name}: no primary region`);
    const dependsOn = args.dependsOn ?? [];
    const instanceName = (region: string): string =>
      instanceNameFor(args.prefix, region, args.generations?.[region] ?? 1);
    const primary = new sql.DatabaseInstance(
      `${name}-${primaryPlan.region}`,
      {
        project: args.project,
        name: instanceName(primaryPlan.region),
        region: primaryPlan.region,
        databaseVersion: args.databaseVersion ?? "POSTGRES_16",
        encryptionKeyName: args.keys[primaryPlan.region],
        deletionProtection: true,
        settings: settings(primaryPlan.region, true),
      },
      { parent: this, dependsOn },
    );
    this.primaryConnectionName = primary.connectionName;
    this.primaryName = primary.name;
    this.connectionNames = { [primaryPlan.region]: primary.connectionName };

    for (const replica of plan.filter((p) => p.role === "replica")) {
      const instance = new sql.DatabaseInstance(
        `${name}-${replica.region}`,
        {
          project: args.project,
          name: instanceName(replica.region),
          region: replica.region,
          databaseVersion: args.databaseVersion ?? "POSTGRES_16",
          // No replicaConfiguration: failoverTarget is a legacy MySQL setting PostgreSQL replicas refuse (FEAS-006).
          masterInstanceName: primary.name,
          encryptionKeyName: args.keys[replica.region],
          deletionProtection: true,
          settings: settings(replica.region, false),
        },
        { parent: this, dependsOn },
      );
      this.connectionNames[replica.region] = instance.connectionName;
    }

    const database = new sql.Database(
      `${name}-orion`,
      { project: args.project, instance: primary.name, name: "orion", deletionPolicy: "ABANDON" },
      { parent: this },
    );
    this.databaseName = database.name;
    const iamUser = (key: string, email: pulumi.Input<string>, databaseRoles?: string[]) =>
      new sql.User(
        `${name}-${key}`,
        {
          project: args.project,
          instance: primary.name,
          name: pulumi.output(email).apply(iamUserName),
          type: "CLOUD_IAM_SERVICE_ACCOUNT",
          ...(databaseRoles ? { databaseRoles } : {}),
        },
        { parent: this },
      ).name;
    this.iamUserNames = {};
    for (const [who, email] of Object.entries(args.iamUsers)) this.iamUserNames[who] = iamUser(who, email);
    this.ownerUserName = args.owner === undefined ? undefined : iamUser("owner", args.owner, ["cloudsqlsuperuser"]);

    this.registerOutputs({
      primaryConnectionName: this.primaryConnectionName,
      connectionNames: this.connectionNames,
      databaseName: this.databaseName,
    });
  }
}
