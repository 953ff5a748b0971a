import { cloudRunPolicies } from "../cloudrun.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const envs = (i: Record<string, unknown>) =>
  ((i["template"] as { containers: Array<{ envs: unknown[] }> }).containers[0] as { envs: unknown[] }).envs;

const cases: PolicyCase[] = [
  {
    policy: "cloudrun-ingress-internal-or-lb",
    breaks: "all ingress",
    target: "api",
    mutate: (i) => setPath(i, "ingress", "INGRESS_TRAFFIC_ALL"),
    expect: ["RUN-001"],
  },
  {
    policy: "cloudrun-ingress-internal-or-lb",
    breaks: "ingress left to the default",
    target: "api",
    mutate: (i) => setPath(i, "ingress", undefined),
    expect: ["RUN-001"],
  },
  {
    policy: "cloudrun-no-public-invoker-around-lb",
    breaks: "public invoker on an all-ingress service",
    target: "api",
    mutate: (i) => setPath(i, "ingress", "INGRESS_TRAFFIC_ALL"),
    expect: ["RUN-002"],
  },
  {
    policy: "cloudrun-no-public-invoker-around-lb",
    breaks: "public invoker on a service outside the stack",
    add: [
      {
        type: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
        name: "other",
        inputs: {
          name: "elsewhere",
          location: "us-east4",
          role: "roles/run.invoker",
          members: ["allAuthenticatedUsers"],
        },
      },
    ],
    expect: ["RUN-002"],
  },
  {
    policy: "cloudrun-dedicated-service-account",
    breaks: "default compute account",
    target: "api",
    mutate: (i) => setPath(i, "template.serviceAccount", "123456789012-compute@developer.gserviceaccount.com"),
    expect: ["RUN-003"],
  },
  {
    policy: "cloudrun-dedicated-service-account",
    breaks: "no service account",
    target: "api",
    mutate: (i) => setPath(i, "template.serviceAccount", undefined),
    expect: ["RUN-003"],
  },
  {
    policy: "cloudrun-cmek",
    breaks: "no CMEK",
    target: "api",
    mutate: (i) => setPath(i, "template.encryptionKey", undefined),
    expect: ["RUN-004"],
  },
  {
    policy: "cloudrun-all-egress-through-vpc",
    breaks: "private ranges only",
    target: "api",
    mutate: (i) => setPath(i, "template.vpcAccess.egress", "PRIVATE_RANGES_ONLY"),
    expect: ["RUN-005"],
  },
  {
    policy: "cloudrun-all-egress-through-vpc",
    breaks: "no VPC access",
    target: "api",
    mutate: (i) => setPath(i, "template.vpcAccess", undefined),
    expect: ["RUN-005"],
  },
  {
    policy: "cloudrun-secrets-from-secret-manager",
    breaks: "literal API token",
    target: "api",
    mutate: (i) => envs(i).push({ name: "RPC_API_TOKEN", value: "tok_live_123" }),
    expect: ["RUN-006"],
  },
  {
    policy: "cloudrun-secrets-from-secret-manager",
    breaks: "a literal key whose name only contains PUBLIC_KEY",
    target: "api",
    mutate: (i) => envs(i).push({ name: "ORION_PUBLIC_KEY_SEED", value: "0xabc" }),
    expect: ["RUN-006"],
  },
  {
    policy: "cloudrun-binary-authorization-and-deletion-protection",
    breaks: "no binary authorization",
    target: "api",
    mutate: (i) => setPath(i, "binaryAuthorization", undefined),
    expect: ["RUN-007"],
  },
  {
    policy: "cloudrun-binary-authorization-and-deletion-protection",
    breaks: "deletable",
    target: "api",
    mutate: (i) => setPath(i, "deletionProtection", false),
    expect: ["RUN-007"],
  },
];

/** The same controls on the migrate job, whose containers sit under template.template (RUN-003..007). */
const jobEnvs = (i: Record<string, unknown>) =>
  (i["template"] as { template: { containers: Array<{ envs: unknown[] }> } }).template.containers[0]?.envs ?? [];
const onJob = (policy: string, breaks: string, mutate: NonNullable<PolicyCase["mutate"]>, control: string) => ({
  policy,
  breaks,
  target: "migrate",
  mutate,
  expect: [control],
});
const jobCases: PolicyCase[] = [
  onJob(
    "cloudrun-dedicated-service-account",
    "a job as the default compute account",
    (i) => setPath(i, "template.template.serviceAccount", "123456789012-compute@developer.gserviceaccount.com"),
    "RUN-003",
  ),
  onJob(
    "cloudrun-cmek",
    "a job without CMEK",
    (i) => setPath(i, "template.template.encryptionKey", undefined),
    "RUN-004",
  ),
  onJob(
    "cloudrun-all-egress-through-vpc",
    "a job reaching the internet around the VPC",
    (i) => setPath(i, "template.template.vpcAccess.egress", "PRIVATE_RANGES_ONLY"),
    "RUN-005",
  ),
  onJob(
    "cloudrun-all-egress-through-vpc",
    "a job without VPC access",
    (i) => setPath(i, "template.template.vpcAccess", undefined),
    "RUN-005",
  ),
  onJob(
    "cloudrun-secrets-from-secret-manager",
    "a job with a literal database password",
    (i) => jobEnvs(i).push({ name: "DATABASE_PASSWORD", value: "hunter2hunter2" }),
    "RUN-006",
  ),
  onJob(
    "cloudrun-binary-authorization-and-deletion-protection",
    "a job without binary authorization",
    (i) => setPath(i, "binaryAuthorization", undefined),
    "RUN-007",
  ),
  onJob(
    "cloudrun-binary-authorization-and-deletion-protection",
    "a deletable job",
    (i) => setPath(i, "deletionProtection", false),
    "RUN-007",
  ),
];

policySpec("cloudrun", (settings) => cloudRunPolicies(settings), [
  ...cases,
  ...jobCases,
  {
    policy: "cloudrun-readiness-and-minimum-instances",
    breaks: "a service without a readiness probe (instances serve before their dependencies answer)",
    target: "api",
    mutate: (i) => setPath(i, "template.containers.0.readinessProbe", undefined),
    expect: ["RUN-008"],
  },
  {
    policy: "cloudrun-readiness-and-minimum-instances",
    breaks: "a prod service scaled to zero in its region",
    target: "api",
    mutate: (i) => setPath(i, "template.scaling.minInstanceCount", 0),
    expect: ["RUN-008"],
  },
]);
