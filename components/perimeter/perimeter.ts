import * as pulumi from "@pulumi/pulumi";
import * as accesscontextmanager from "@pulumi/gcp/accesscontextmanager/index.js";
import * as organizations from "@pulumi/gcp/organizations/index.js";
import { perimeterName, perimeterProblem, RESTRICTED_SERVICES } from "./plan.ts";

export interface PerimeterArgs {
  project: string;
  prefix: string;
  /** The organisation's access policy, "accessPolicies/NUMBER": the perimeter is created in it (NET-005). */
  accessPolicy: string;
  /**
   * Identities outside the perimeter that must still reach the restricted APIs: the CI deployer and previewer run on
   * GitHub's runners, so without an ingress rule their `pulumi up` and `pulumi preview` would be refused.
   */
  ciMembers: readonly pulumi.Input<string>[];
  /** People (user:EMAIL) or service accounts that operate the stack from outside, e.g. `gcloud secrets versions add`. */
  operators?: readonly string[];
  /**
   * Default false: enforced. True puts the same configuration in the dry-run spec only, so violations are logged but
   * nothing is refused: the way to roll a perimeter out, and it fails NET-005 until it is enforced.
   */
  dryRun?: boolean;
  /** The project's number; looked up from `project` when absent. */
  projectNumber?: pulumi.Input<string>;
}

/**
 * A VPC Service Controls perimeter around the stack's project: the data services can be called only from inside it
 * (the platform's own workloads) or by the CI and operator identities admitted by one ingress rule (NET-005).
 */
export class Perimeter extends pulumi.ComponentResource {
  /** The perimeter's resource name (accessPolicies/N/servicePerimeters/NAME). */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: PerimeterArgs, opts?: pulumi.ComponentResourceOptions) {
    const problem = perimeterProblem(args);
    if (problem !== undefined) throw new Error(`Perimeter ${name}: ${problem}`);
    if (args.ciMembers.length === 0) throw new Error(`Perimeter ${name}: ciMembers must name the CI identities`);
    super("alpha-orion:platform:Perimeter", name, {}, opts);

    const number =
      args.projectNumber ?? organizations.getProjectOutput({ projectId: args.project }, { parent: this }).number;
    const config = {
      resources: [pulumi.interpolate`projects/${number}`],
      restrictedServices: [...RESTRICTED_SERVICES],
      ingressPolicies: [
        {
          title: "ci-and-operators",
          ingressFrom: {
            identities: [...args.ciMembers, ...(args.operators ?? [])],
            sources: [{ accessLevel: "*" }],
          },
          ingressTo: { resources: ["*"], operations: [{ serviceName: "*" }] },
        },
      ],
    };
    const perimeter = new accesscontextmanager.ServicePerimeter(
      name,
      {
        parent: args.accessPolicy,
        name: perimeterName(args.accessPolicy, args.prefix),
        title: args.prefix,
        perimeterType: "PERIMETER_TYPE_REGULAR",
        ...(args.dryRun ? { useExplicitDryRunSpec: true, spec: config } : { status: config }),
      },
      // Deleting the perimeter would silently open every data API: a removal must be deliberate.
      { parent: this, protect: !args.dryRun },
    );
    this.name = perimeter.name;
    this.registerOutputs({ name: this.name });
  }
}
