import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy, type Props } from "./factory.ts";
import { at, isSet, list, record, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

/** Workload kinds and where each keeps its pod spec. */
const POD_SPEC_PATH: Record<string, string> = {
  "kubernetes:apps/v1:Deployment": "spec.template.spec",
  "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
  "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
  "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
  "kubernetes:batch/v1:Job": "spec.template.spec",
  "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
  "kubernetes:core/v1:Pod": "spec",
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATH);
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const PEER_AUTHENTICATION_TYPES = [
  "kubernetes:security.istio.io/v1:PeerAuthentication",
  "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
];

function containersOf(type: string, props: Props): Array<{ name: string; spec: unknown; pod: unknown }> {
  const pod = at(props, POD_SPEC_PATH[type] ?? "spec");
  return [...list(pod, "initContainers"), ...list(pod, "containers")].map((c) => ({
    name: str(c, "name") ?? "?",
    spec: c,
    pod,
  }));
}

const namespaceOf = (props: Props) => str(props, "metadata.namespace") ?? "default";

export const k8sContainerSecurity = () =>
  resourcePolicy({
    name: "k8s-container-security-context",
    description: "Containers must run as non-root with a read-only root filesystem and no privilege escalation.",
    controls: ["K8S-001"],
    types: WORKLOAD_TYPES,
    check: (props, args, report) => {
      for (const { name, spec, pod } of containersOf(args.type, props)) {
        const nonRoot = at(spec, "securityContext.runAsNonRoot") ?? at(pod, "securityContext.runAsNonRoot");
        if (nonRoot !== true) report("K8S-001", `container ${name}: securityContext.runAsNonRoot must be true.`);
        if (at(spec, "securityContext.readOnlyRootFilesystem") !== true) {
          report("K8S-001", `container ${name}: securityContext.readOnlyRootFilesystem must be true.`);
        }
        if (at(spec, "securityContext.allowPrivilegeEscalation") !== false) {
          report("K8S-001", `container ${name}: securityContext.allowPrivilegeEscalation must be false.`);
        }
        if (at(spec, "securityContext.privileged") === true) {
          report("K8S-001", `container ${name}: securityContext.privileged must not be true.`);
        }
      }
    },
  });

export const k8sResources = () =>
  resourcePolicy({
    name: "k8s-container-resources",
    description: "Containers must declare cpu and memory requests and limits.",
    controls: ["K8S-002"],
    types: WORKLOAD_TYPES,
    check: (props, args, report) => {
      for (const { name, spec } of containersOf(args.type, props)) {
        const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter(
          (p) => !isSet(at(spec, `resources.${p}`)),
        );
        if (missing.length > 0) report("K8S-002", `container ${name}: resources ${missing.join(", ")} must be set.`);
      }
    },
  });

function isDefaultDeny(np: PolicyResource): boolean {
  const selector = record(np.props, "spec.podSelector") ?? {};
  const selectsAll = !isSet(at(selector, "matchLabels")) && !isSet(at(selector, "matchExpressions"));
  const types = list(np.props, "spec.policyTypes").map(String);
  return selectsAll && types.includes("Ingress") && list(np.props, "spec.ingress").length === 0;
}

export const k8sDefaultDeny = () =>
  stackPolicy({
    name: "k8s-namespace-default-deny",
    description: "Every namespace that runs workloads must have a default-deny NetworkPolicy.",
    controls: ["K8S-003"],
    types: WORKLOAD_TYPES,
    examines: [...WORKLOAD_TYPES, NETWORK_POLICY],
    check: (resources, _args, report) => {
      const namespaces = new Set(
        resources.filter((r) => WORKLOAD_TYPES.includes(r.type)).map((r) => namespaceOf(r.props)),
      );
      const denied = new Set(
        resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(r)).map((r) => namespaceOf(r.props)),
      );
      for (const ns of [...namespaces].sort()) {
        if (!denied.has(ns))
          report("K8S-003", `Namespace ${ns} must have a NetworkPolicy with an empty podSelector denying all ingress.`);
      }
    },
  });

function selects(pdb: PolicyResource, deployment: PolicyResource): boolean {
  if (namespaceOf(pdb.props) !== namespaceOf(deployment.props)) return false;
  const wanted = record(pdb.props, "spec.selector.matchLabels");
  const labels = record(deployment.props, "spec.template.metadata.labels") ?? {};
  return (
    wanted !== undefined && Object.keys(wanted).length > 0 && Object.entries(wanted).every(([k, v]) => labels[k] === v)
  );
}

export const k8sDisruptionBudgets = () =>
  stackPolicy({
    name: "k8s-deployment-disruption-budget",
    description: "Every Deployment must have a PodDisruptionBudget selecting its pods.",
    controls: ["K8S-004"],
    types: [DEPLOYMENT],
    examines: [DEPLOYMENT, PDB],
    check: (resources, _args, report) => {
      const pdbs = resources.filter((r) => r.type === PDB);
      for (const d of resources.filter((r) => r.type === DEPLOYMENT)) {
        if (!pdbs.some((p) => selects(p, d)))
          report("K8S-004", `Deployment ${d.name} must have a PodDisruptionBudget selecting its pods.`, d.urn);
      }
    },
  });

export const k8sPeerAuthenticationMode = () =>
  resourcePolicy({
    name: "istio-peer-authentication-strict",
    description: "Istio PeerAuthentication policies must set mutual TLS mode STRICT.",
    controls: ["K8S-005"],
    types: PEER_AUTHENTICATION_TYPES,
    check: (props, _args, report) => {
      if (str(props, "spec.mtls.mode") !== "STRICT") report("K8S-005", "spec.mtls.mode must be STRICT.");
    },
  });

export const k8sMeshMtls = () =>
  stackPolicy({
    name: "istio-strict-mtls-everywhere",
    description: "Every workload namespace must be covered by a STRICT PeerAuthentication (mesh-wide or its own).",
    controls: ["K8S-005"],
    types: WORKLOAD_TYPES,
    examines: [...WORKLOAD_TYPES, ...PEER_AUTHENTICATION_TYPES],
    check: (resources, _args, report) => {
      const strict = resources.filter(
        (r) => PEER_AUTHENTICATION_TYPES.includes(r.type) && str(r.props, "spec.mtls.mode") === "STRICT",
      );
      const covered = new Set(strict.map((r) => namespaceOf(r.props)));
      if (covered.has("istio-system")) return;
      const namespaces = new Set(
        resources.filter((r) => WORKLOAD_TYPES.includes(r.type)).map((r) => namespaceOf(r.props)),
      );
      for (const ns of [...namespaces].sort()) {
        if (!covered.has(ns))
          report("K8S-005", `Namespace ${ns} must be covered by a PeerAuthentication with mtls.mode STRICT.`);
      }
    },
  });

export function kubernetesPolicies(): OrionPolicy[] {
  return [
    k8sContainerSecurity(),
    k8sResources(),
    k8sDefaultDeny(),
    k8sDisruptionBudgets(),
    k8sPeerAuthenticationMode(),
    k8sMeshMtls(),
  ];
}
