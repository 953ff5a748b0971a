import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/gcp/iam/index.js";
import * as projects from "@pulumi/gcp/projects/index.js";
import * as serviceaccount from "@pulumi/gcp/serviceaccount/index.js";
import {
  accountId,
  forbiddenRole,
  githubAttributeCondition,
  githubSubjects,
  MIGRATE_ROLES,
  PREVIEWER_ROLES,
  projectRoles,
  WORKLOADS,
  type DeployEnvironment,
  type Workload,
} from "./roles.ts";

export interface IdentityArgs {
  project: string;
  /** Name prefix, e.g. "orion-prod". */
  prefix: string;
  /** "OWNER/REPO" allowed to deploy through Workload Identity Federation. */
  githubRepository: string;
  /**
   * The GitHub environments whose jobs may deploy this stack as the deployer (IAM-007). Default none: a stack CI does
   * not deploy (dev) has a deployer only a person can use through impersonation grants of the bootstrap.
   */
  deployEnvironments?: readonly DeployEnvironment[];
  /** Extra project roles per bot, on top of `projectRoles`; each is checked against the forbidden set. */
  extraRoles?: Partial<Record<Workload, readonly string[]>>;
  /** Service agents to provision. Default: all of AGENT_SERVICES. */
  agents?: readonly Agent[];
}

export interface ServiceAccountRef {
  email: pulumi.Output<string>;
  member: pulumi.Output<string>;
  name: pulumi.Output<string>;
}

/** Google-managed agents that encrypt with the platform's keys (CMEK) or write on its behalf. */
export const AGENT_SERVICES = {
  sql: "sqladmin.googleapis.com",
  redis: "redis.googleapis.com",
  pubsub: "pubsub.googleapis.com",
  secrets: "secretmanager.googleapis.com",
  run: "run.googleapis.com",
  gke: "container.googleapis.com",
} as const;
export type Agent = keyof typeof AGENT_SERVICES;

/** Service accounts per bot with least-privilege project roles, the CI deployer and its GitHub federation. */
export class Identity extends pulumi.ComponentResource {
  readonly accounts: Record<Workload, ServiceAccountRef>;
  /** What the migrate job runs as: the owner of the schema, reachable by no bot. */
  readonly migrator: ServiceAccountRef;
  readonly agents: Partial<Record<Agent, pulumi.Output<string>>>;
  readonly deployer: ServiceAccountRef;
  /** What pull requests' `pulumi preview` runs as: read-only roles only. */
  readonly previewer: ServiceAccountRef;
  readonly workloadIdentityProvider: pulumi.Output<string>;

  constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    for (const [workload, roles] of Object.entries(args.extraRoles ?? {})) {
      for (const role of roles) {
        const why = forbiddenRole(role);
        if (why) throw new Error(`Identity ${name}: extraRoles.${workload} "${role}": ${why}`);
      }
    }
    super("alpha-orion:platform:Identity", name, {}, opts);
    const parent = { parent: this };

    const account = (key: string, id: string, display: string): ServiceAccountRef => {
      const sa = new serviceaccount.Account(
        key,
        { project: args.project, accountId: id, displayName: display },
        parent,
      );
      return { email: sa.email, member: sa.member, name: sa.name };
    };
    /** Project roles of one account, each its own member resource named after the account's key and the role. */
    const grant = (key: string, sa: ServiceAccountRef, roles: readonly string[]) => {
      for (const role of roles) {
        new projects.IAMMember(
          `${key}-${role.replace("roles/", "").replace(/\./g, "-")}`,
          { project: args.project, role, member: sa.member },
          parent,
        );
      }
    };

    this.accounts = {} as Record<Workload, ServiceAccountRef>;
    for (const workload of WORKLOADS) {
      const sa = account(`${name}-${workload}`, accountId(args.prefix, workload), `Alpha-Orion ${workload}`);
      this.accounts[workload] = sa;
      grant(`${name}-${workload}`, sa, [...projectRoles(workload), ...(args.extraRoles?.[workload] ?? [])]);
    }

    // Its own account, not a bot's: the role that owns the schema (and could rewrite the ledger) is never the role a
    // service with a network-facing surface runs as.
    this.migrator = account(`${name}-migrate`, accountId(args.prefix, "migrate"), "Alpha-Orion schema migrations");
    grant(`${name}-migrate`, this.migrator, MIGRATE_ROLES);

    this.agents = {};
    for (const agent of args.agents ?? (Object.keys(AGENT_SERVICES) as Agent[])) {
      const service = AGENT_SERVICES[agent];
      const identity = new projects.ServiceIdentity(
        `${name}-agent-${agent}`,
        { project: args.project, service },
        parent,
      );
      this.agents[agent] = identity.member;
    }

    // The deployer's project roles are granted by the organisation bootstrap, not here: a stack that could grant its
    // own deployer more rights would be one `pulumi up` away from owning the project.
    this.deployer = account(`${name}-deployer`, accountId(args.prefix, "deployer"), "Alpha-Orion CI deployer");
    const pool = new iam.WorkloadIdentityPool(
      `${name}-github`,
      { project: args.project, workloadIdentityPoolId: `${args.prefix}-github`, displayName: "GitHub Actions" },
      parent,
    );
    const provider = new iam.WorkloadIdentityPoolProvider(
      `${name}-github`,
      {
        project: args.project,
        workloadIdentityPoolId: pool.workloadIdentityPoolId,
        workloadIdentityPoolProviderId: "github-actions",
        attributeCondition: githubAttributeCondition(args.githubRepository),
        attributeMapping: {
          "google.subject": "assertion.sub",
          "attribute.repository": "assertion.repository",
          "attribute.ref": "assertion.ref",
        },
        oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
      },
      parent,
    );
    // One subject per grant, never a principalSet: a repository-wide set would let any branch's workflow deploy.
    const subjects = githubSubjects(args.githubRepository);
    const trust = (key: string, sa: ServiceAccountRef, subject: string) =>
      new serviceaccount.IAMMember(
        key,
        {
          serviceAccountId: sa.name,
          role: "roles/iam.workloadIdentityUser",
          member: pulumi.interpolate`principal://iam.googleapis.com/${pool.name}/subject/${subject}`,
        },
        parent,
      );
    for (const environment of args.deployEnvironments ?? []) {
      trust(`${name}-deployer-wif-${environment}`, this.deployer, subjects.deployer[environment]);
    }
    this.previewer = account(`${name}-previewer`, accountId(args.prefix, "previewer"), "Alpha-Orion CI previewer");
    grant(`${name}-previewer`, this.previewer, PREVIEWER_ROLES);
    trust(`${name}-previewer-wif`, this.previewer, subjects.previewer);
    this.workloadIdentityProvider = provider.name;

    this.registerOutputs({
      accounts: this.accounts,
      migrator: this.migrator,
      deployer: this.deployer,
      previewer: this.previewer,
      workloadIdentityProvider: this.workloadIdentityProvider,
    });
  }
}
