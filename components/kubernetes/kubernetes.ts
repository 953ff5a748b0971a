import * as pulumi from "@pulumi/pulumi";
import * as container from "@pulumi/gcp/container/index.js";
import * as projects from "@pulumi/gcp/projects/index.js";
import * as serviceaccount from "@pulumi/gcp/serviceaccount/index.js";
import { Provider } from "@pulumi/kubernetes/provider.js";
import * as apiextensions from "@pulumi/kubernetes/apiextensions/index.js";
import * as apps from "@pulumi/kubernetes/apps/v1/index.js";
import * as autoscaling from "@pulumi/kubernetes/autoscaling/v2/index.js";
import * as core from "@pulumi/kubernetes/core/v1/index.js";
import * as networking from "@pulumi/kubernetes/networking/v1/index.js";
import * as policy from "@pulumi/kubernetes/policy/v1/index.js";
import { gcpName, shortRegion } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { validateTracing, type TracingArgs } from "../common/tracing.ts";
import {
  destinationRuleSpec,
  deploymentSpec,
  hpaSpec,
  NAMESPACE,
  SECRET_VERSIONS_ANNOTATION,
  secretProviderClassSpec,
  type WorkloadSpec,
} from "./manifests.ts";

export interface KubernetesRuntimeArgs {
  project: string;
  prefix: string;
  region: string;
  networkId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  /** The subnet's primary range: the only network allowed to reach the control plane (GKE-001). */
  subnetCidr: string;
  /** /28 for the control plane's private endpoint. */
  masterCidr: string;
  /** CMEK for Kubernetes secrets in etcd (GKE-004). */
  gkeKeyId: pulumi.Input<string>;
  labels: Labels;
  /** Workloads; `gsaEmail` of each is bound to its Kubernetes service account through Workload Identity. */
  workloads: (WorkloadSpec & { gsaEmail: pulumi.Input<string>; gsaName: pulumi.Input<string> })[];
  machineType?: string;
  /**
   * Where every workload's spans go, as for the Cloud Run bots (components/common/tracing.ts): the OTEL_* variables
   * of the env contract, and with `collector` a sidecar writing to Cloud Trace as the workload's Workload Identity.
   * None when unset.
   */
  tracing?: TracingArgs;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const NODE_ROLES = [
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
  "roles/artifactregistry.reader",
];

/**
 * The GKE alternative to Cloud Run in one region: a private, shielded, Workload-Identity cluster with CMEK secrets,
 * and the bots as hardened Deployments with HPAs, PDBs, default-deny NetworkPolicies and Istio mTLS STRICT.
 */
export class KubernetesRuntime extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;

  constructor(name: string, args: KubernetesRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!/\/28$/.test(args.masterCidr))
      throw new Error(`KubernetesRuntime ${name}: masterCidr must be a /28, got ${args.masterCidr}`);
    if (args.workloads.length === 0) throw new Error(`KubernetesRuntime ${name}: workloads must list at least one bot`);
    validateLabels(args.labels, `KubernetesRuntime ${name}`);
    validateTracing(args.tracing, `KubernetesRuntime ${name}`);
    // The region is the component's one input: plans group its children by it.
    super("alpha-orion:platform:KubernetesRuntime", name, { region: args.region }, opts);
    const parent = { parent: this };
    const project = args.project;

    const nodeSa = new serviceaccount.Account(
      `${name}-nodes`,
      { project, accountId: gcpName([args.prefix, "gke", shortRegion(args.region)], 30), displayName: "GKE nodes" },
      parent,
    );
    for (const role of NODE_ROLES) {
      new projects.IAMMember(
        `${name}-nodes-${role.replace("roles/", "").replace(/\./g, "-")}`,
        { project, role, member: nodeSa.member },
        parent,
      );
    }

    const cluster = new container.Cluster(
      name,
      {
        project,
        name: gcpName([args.prefix, args.region], 40),
        location: args.region,
        network: args.networkId,
        subnetwork: args.subnetId,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        deletionProtection: true,
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: true,
          masterIpv4CidrBlock: args.masterCidr,
        },
        masterAuthorizedNetworksConfig: {
          cidrBlocks: [{ cidrBlock: args.subnetCidr, displayName: "platform subnet" }],
        },
        masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
        workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
        releaseChannel: { channel: "REGULAR" },
        databaseEncryption: { state: "ENCRYPTED", keyName: args.gkeKeyId },
        enableShieldedNodes: true,
        enableLegacyAbac: false,
        binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
        datapathProvider: "ADVANCED_DATAPATH",
        secretManagerConfig: { enabled: true },
        nodeConfig: {
          serviceAccount: nodeSa.email,
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        },
        resourceLabels: labelsFor(args.labels, { region: args.region }),
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.clusterName = cluster.name;

    new container.NodePool(
      `${name}-workers`,
      {
        project,
        cluster: cluster.id,
        location: args.region,
        autoscaling: { minNodeCount: 1, maxNodeCount: 5 },
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
          machineType: args.machineType ?? "e2-standard-4",
          serviceAccount: nodeSa.email,
          oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          resourceLabels: labelsFor(args.labels, { region: args.region }),
        },
      },
      parent,
    );

    // Credentials come from gke-gcloud-auth-plugin at run time; the kubeconfig itself holds no token.
    const kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([clusterName, endpoint, auth]) =>
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: clusterName,
              cluster: { server: `https://${endpoint}`, "certificate-authority-data": auth.clusterCaCertificate },
            },
          ],
          users: [
            {
              name: clusterName,
              user: {
                exec: {
                  apiVersion: "client.authentication.k8s.io/v1beta1",
                  command: "gke-gcloud-auth-plugin",
                  provideClusterInfo: true,
                },
              },
            },
          ],
          contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
          "current-context": clusterName,
        }),
      ),
    );
    const k8s = new Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, parent);
    const inCluster = { parent: this, provider: k8s };

    const ns = new core.Namespace(
      `${name}-ns`,
      { metadata: { name: NAMESPACE, labels: { "istio-injection": "enabled", ...labelsFor(args.labels) } } },
      inCluster,
    );
    const namespaced = { parent: this, provider: k8s, dependsOn: [ns] };
    new networking.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: { name: "default-deny", namespace: NAMESPACE },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      namespaced,
    );
    // Bots talk to each other through the mesh and to Google APIs / the chain through NAT; nothing reaches them from outside.
    new networking.NetworkPolicy(
      `${name}-allow-mesh`,
      {
        metadata: { name: "allow-namespace-and-egress", namespace: NAMESPACE },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [{}],
        },
      },
      namespaced,
    );
    new apiextensions.CustomResource(
      `${name}-mtls`,
      {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: NAMESPACE },
        spec: { mtls: { mode: "STRICT" } },
      },
      namespaced,
    );

    for (const w of args.workloads) {
      new serviceaccount.IAMMember(
        `${name}-${w.workload}-wi`,
        {
          serviceAccountId: w.gsaName,
          role: "roles/iam.workloadIdentityUser",
          member: `serviceAccount:${project}.svc.id.goog[${NAMESPACE}/${w.workload}]`,
        },
        parent,
      );
      new core.ServiceAccount(
        `${name}-${w.workload}`,
        {
          metadata: {
            name: w.workload,
            namespace: NAMESPACE,
            annotations: { "iam.gke.io/gcp-service-account": w.gsaEmail },
          },
        },
        namespaced,
      );
      // The Deployment mounts these files; the class exists first so no pod waits on a missing one.
      const secretClass =
        Object.keys(w.secretFiles ?? {}).length === 0
          ? []
          : [
              new apiextensions.CustomResource(
                `${name}-${w.workload}-secrets`,
                {
                  apiVersion: "secrets-store.csi.x-k8s.io/v1",
                  kind: "SecretProviderClass",
                  metadata: { name: w.workload, namespace: NAMESPACE },
                  spec: pulumi.output(w.secretFiles ?? {}).apply(secretProviderClassSpec),
                },
                namespaced,
              ),
            ];
      // A new secret version changes the class, not the pod template, and mounted files are fetched at pod start:
      // naming the versions in the template rolls the pods onto them.
      const spec = deploymentSpec(
        w,
        args.tracing ? { settings: args.tracing, serviceName: `${args.prefix}-${w.workload}`, project } : undefined,
      );
      const template =
        secretClass.length === 0
          ? spec.template
          : {
              ...spec.template,
              metadata: {
                ...spec.template.metadata,
                annotations: {
                  [SECRET_VERSIONS_ANNOTATION]: pulumi
                    .output(w.secretFiles ?? {})
                    .apply((files) => Object.values(files).join(",")),
                },
              },
            };
      new apps.Deployment(
        `${name}-${w.workload}`,
        {
          metadata: { name: w.workload, namespace: NAMESPACE, labels: { app: w.workload } },
          spec: { ...spec, template },
        },
        { ...namespaced, dependsOn: [ns, ...secretClass] },
      );
      new core.Service(
        `${name}-${w.workload}`,
        {
          metadata: { name: w.workload, namespace: NAMESPACE },
          spec: { selector: { app: w.workload }, ports: [{ name: "http", port: 8080 }] },
        },
        namespaced,
      );
      new autoscaling.HorizontalPodAutoscaler(
        `${name}-${w.workload}`,
        { metadata: { name: w.workload, namespace: NAMESPACE }, spec: hpaSpec(w) },
        namespaced,
      );
      new policy.PodDisruptionBudget(
        `${name}-${w.workload}`,
        {
          metadata: { name: w.workload, namespace: NAMESPACE },
          spec: { minAvailable: 1, selector: { matchLabels: { app: w.workload } } },
        },
        namespaced,
      );
      new apiextensions.CustomResource(
        `${name}-${w.workload}-circuit-breaker`,
        {
          apiVersion: "networking.istio.io/v1",
          kind: "DestinationRule",
          metadata: { name: w.workload, namespace: NAMESPACE },
          spec: destinationRuleSpec(w.workload),
        },
        namespaced,
      );
    }

    this.registerOutputs({ clusterName: this.clusterName });
  }
}
