import { kubernetesPolicies } from "../kubernetes.ts";
import type { FixtureResource } from "./fixtures/stack.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const first = (i: Record<string, unknown>) =>
  (
    ((i["spec"] as Record<string, unknown>)["template"] as Record<string, unknown>)["spec"] as {
      containers: Array<Record<string, unknown>>;
    }
  ).containers[0] ?? {};

const worker: FixtureResource = {
  type: "kubernetes:apps/v1:Deployment",
  name: "worker",
  inputs: {
    metadata: { name: "worker", namespace: "jobs" },
    spec: {
      selector: { matchLabels: { app: "worker" } },
      template: {
        metadata: { labels: { app: "worker" } },
        spec: {
          containers: [
            {
              name: "worker",
              image: "w:1",
              securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
            },
          ],
        },
      },
    },
  },
};

const cases: PolicyCase[] = [
  {
    policy: "k8s-container-security-context",
    breaks: "runs as root",
    target: "scanner",
    mutate: (i) => setPath(i, "spec.template.spec.securityContext", undefined),
    expect: ["K8S-001"],
  },
  {
    policy: "k8s-container-security-context",
    breaks: "writable root, escalation allowed",
    target: "scanner",
    mutate: (i) => setPath(first(i), "securityContext", { privileged: true }),
    expect: ["K8S-001"],
  },
  {
    policy: "k8s-container-resources",
    breaks: "no limits",
    target: "scanner",
    mutate: (i) => setPath(first(i), "resources.limits", undefined),
    expect: ["K8S-002"],
  },
  {
    policy: "k8s-namespace-default-deny",
    breaks: "no NetworkPolicy in the namespace",
    remove: ["bots-default-deny"],
    expect: ["K8S-003"],
  },
  {
    policy: "k8s-namespace-default-deny",
    breaks: "policy selects only some pods",
    target: "bots-default-deny",
    mutate: (i) => setPath(i, "spec.podSelector", { matchLabels: { app: "scanner" } }),
    expect: ["K8S-003"],
  },
  {
    policy: "k8s-deployment-disruption-budget",
    breaks: "no PodDisruptionBudget",
    remove: ["scanner-pdb"],
    expect: ["K8S-004"],
  },
  {
    policy: "k8s-deployment-disruption-budget",
    breaks: "budget selects other pods",
    target: "scanner-pdb",
    mutate: (i) => setPath(i, "spec.selector.matchLabels", { app: "api" }),
    expect: ["K8S-004"],
  },
  {
    policy: "istio-peer-authentication-strict",
    breaks: "permissive mTLS",
    target: "mesh-mtls",
    mutate: (i) => setPath(i, "spec.mtls.mode", "PERMISSIVE"),
    expect: ["K8S-005"],
  },
  {
    policy: "istio-strict-mtls-everywhere",
    breaks: "no mesh-wide STRICT policy",
    remove: ["mesh-mtls"],
    expect: ["K8S-005"],
  },
  {
    policy: "k8s-namespace-default-deny",
    breaks: "a second namespace without a policy",
    add: [worker],
    expect: ["K8S-003"],
  },
  {
    policy: "k8s-container-resources",
    breaks: "init container without requests",
    target: "scanner",
    mutate: (i) => setPath(i, "spec.template.spec.initContainers", [{ name: "migrate", image: "m:1" }]),
    expect: ["K8S-002"],
  },
];

policySpec("kubernetes", () => kubernetesPolicies(), cases);
