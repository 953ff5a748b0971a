import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, isPublicMember, isSet, isTrue, list, membersOf, num, refersTo, str } from "./props.ts";
import { DEFAULT_SETTINGS, type OrionPolicy, type PolicySettings } from "./types.ts";

export const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
export const RUN_JOB = "gcp:cloudrunv2/job:Job";
/**
 * Where each Cloud Run kind keeps what its containers run as: a service's revision `template`, a job's task template
 * `template.template`. The controls on identity, keys, egress, env and hardening (RUN-003..007) hold for both; ingress,
 * invokers and readiness (RUN-001, RUN-002, RUN-008) are a service's only, since a job serves no requests.
 */
const RUN_TEMPLATE: Readonly<Record<string, string>> = { [RUN_SERVICE]: "template", [RUN_JOB]: "template.template" };
export const RUN_WORKLOADS = Object.keys(RUN_TEMPLATE);
/** The path of a Cloud Run service's or job's container template (`template` for anything else). */
export const runTemplate = (type: string): string => RUN_TEMPLATE[type] ?? "template";
export const RUN_IAM_TYPES = [
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
];
const PRIVATE_INGRESS = ["INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_INTERNAL_ONLY"];
const DEFAULT_COMPUTE_SA = /-compute@developer\.gserviceaccount\.com$/;
const SECRET_LIKE = /KEY|SECRET|TOKEN|PASSWORD|PRIVATE/i;
// Names that carry a reference to a secret or key (a resource path), never the secret itself, or a public key (the
// API's ORION_REPORT_PUBLIC_KEY): nothing a reader of the env could misuse.
const REFERENCE_SUFFIX = /(_(NAME|ID|REF|PATH|URI|RESOURCE)|_PUBLIC_KEY)$/i;

export const runIngress = () =>
  resourcePolicy({
    name: "cloudrun-ingress-internal-or-lb",
    description: "Cloud Run services must accept traffic only from the load balancer or from inside the VPC.",
    controls: ["RUN-001"],
    types: [RUN_SERVICE],
    check: (props, _args, report) => {
      // The API default is INGRESS_TRAFFIC_ALL.
      if (!PRIVATE_INGRESS.includes(str(props, "ingress") ?? "INGRESS_TRAFFIC_ALL")) {
        report("RUN-001", "ingress must be INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER or INGRESS_TRAFFIC_INTERNAL_ONLY.");
      }
    },
  });

export const runPublicInvoker = () =>
  stackPolicy({
    name: "cloudrun-no-public-invoker-around-lb",
    description:
      "Cloud Run services may be invoked by allUsers/allAuthenticatedUsers only when their ingress is internal or load-balancer only.",
    controls: ["RUN-002"],
    types: RUN_IAM_TYPES,
    examines: [...RUN_IAM_TYPES, RUN_SERVICE],
    check: (resources, _args, report) => {
      const services = resources.filter((r) => r.type === RUN_SERVICE);
      for (const grant of resources.filter((r) => RUN_IAM_TYPES.includes(r.type))) {
        const publicMembers = membersOf(grant.props).filter(isPublicMember);
        if (publicMembers.length === 0) continue;
        const service = services.find((s) => refersTo(at(grant.props, "name"), s));
        const shielded = service !== undefined && PRIVATE_INGRESS.includes(str(service.props, "ingress") ?? "");
        if (!shielded) {
          report(
            "RUN-002",
            `${grant.name} must not grant ${publicMembers.join(", ")} on a service whose ingress is not internal or load-balancer only.`,
            grant.urn,
          );
        }
      }
    },
  });

export const runServiceAccount = () =>
  resourcePolicy({
    name: "cloudrun-dedicated-service-account",
    description: "Cloud Run services and jobs must run as a dedicated service account, never the default compute one.",
    controls: ["RUN-003"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      const path = `${runTemplate(args.type)}.serviceAccount`;
      const sa = str(props, path);
      if (sa === undefined || sa === "" || DEFAULT_COMPUTE_SA.test(sa)) {
        report("RUN-003", `${path} must be a dedicated service account, not the default compute one.`);
      }
    },
  });

export const runCmek = () =>
  resourcePolicy({
    name: "cloudrun-cmek",
    description: "Cloud Run services and jobs must be encrypted with a customer-managed key.",
    controls: ["RUN-004"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      const path = `${runTemplate(args.type)}.encryptionKey`;
      if (!isSet(at(props, path))) report("RUN-004", `${path} must name a Cloud KMS key.`);
    },
  });

export const runVpcEgress = () =>
  resourcePolicy({
    name: "cloudrun-all-egress-through-vpc",
    description: "Cloud Run services and jobs must send all egress through the VPC.",
    controls: ["RUN-005"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      const v = `${runTemplate(args.type)}.vpcAccess`;
      if (str(props, `${v}.egress`) !== "ALL_TRAFFIC") report("RUN-005", `${v}.egress must be ALL_TRAFFIC.`);
      if (!isSet(at(props, `${v}.connector`)) && !isSet(at(props, `${v}.networkInterfaces`))) {
        report("RUN-005", `${v} must use a connector or direct VPC networkInterfaces.`);
      }
    },
  });

export const runSecretEnv = () =>
  resourcePolicy({
    name: "cloudrun-secrets-from-secret-manager",
    description: "Secret-like environment variables of Cloud Run services and jobs must come from Secret Manager.",
    controls: ["RUN-006"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      for (const container of list(props, `${runTemplate(args.type)}.containers`)) {
        for (const env of list(container, "envs")) {
          const name = str(env, "name") ?? "";
          if (!SECRET_LIKE.test(name) || REFERENCE_SUFFIX.test(name)) continue;
          if (at(env, "value") !== undefined || !isSet(at(env, "valueSource.secretKeyRef"))) {
            // Never echo the value: it is the secret.
            report("RUN-006", `env ${name} must come from valueSource.secretKeyRef, not a literal value.`);
          }
        }
      }
    },
  });

export const runHardening = () =>
  resourcePolicy({
    name: "cloudrun-binary-authorization-and-deletion-protection",
    description: "Cloud Run services and jobs must enforce Binary Authorization and be protected against deletion.",
    controls: ["RUN-007"],
    types: RUN_WORKLOADS,
    check: (props, _args, report) => {
      if (!isTrue(props, "binaryAuthorization.useDefault") && !isSet(at(props, "binaryAuthorization.policy"))) {
        report("RUN-007", "binaryAuthorization.useDefault must be true (or a policy set).");
      }
      if (!isTrue(props, "deletionProtection")) report("RUN-007", "deletionProtection must be true.");
    },
  });

export const runServing = (settings: PolicySettings) =>
  resourcePolicy({
    name: "cloudrun-readiness-and-minimum-instances",
    description:
      "Cloud Run services must probe readiness and keep the stack's minimum of instances warm in every region.",
    controls: ["RUN-008"],
    types: [RUN_SERVICE],
    settings: { from: settings, reads: ["minInstances"] },
    check: (props, _args, report, settings) => {
      const containers = list(props, "template.containers");
      if (containers.length === 0 || !containers.every((c) => isSet(str(c, "readinessProbe.httpGet.path")))) {
        report("RUN-008", "template.containers[].readinessProbe.httpGet.path must be set (the bots serve /readyz).");
      }
      const min = settings.minInstances;
      if (min !== undefined && (num(props, "template.scaling.minInstanceCount") ?? 0) < min) {
        report("RUN-008", `template.scaling.minInstanceCount must be at least ${min} in this stack.`);
      }
    },
  });

export function cloudRunPolicies(settings: PolicySettings = DEFAULT_SETTINGS): OrionPolicy[] {
  return [
    runIngress(),
    runPublicInvoker(),
    runServiceAccount(),
    runCmek(),
    runVpcEgress(),
    runSecretEnv(),
    runHardening(),
    runServing(settings),
  ];
}
