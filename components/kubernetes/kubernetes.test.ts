import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { COLLECTOR_CONTAINER } from "../common/tracing.ts";
import { KubernetesRuntime } from "./kubernetes.ts";
import {
  containerSecurityContext,
  deploymentSpec,
  destinationRuleSpec,
  hpaSpec,
  SECRET_VERSIONS_ANNOTATION,
  SECRETS_CSI_DRIVER,
  SECRETS_DIR,
} from "./manifests.ts";

const worker = {
  workload: "executor",
  image: "img:1",
  minReplicas: 2,
  maxReplicas: 6,
  backlogSubscription: "orders-executor",
  env: {},
};
const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "us-central1",
  networkId: "projects/p/global/networks/vpc",
  subnetId: "projects/p/regions/us-central1/subnetworks/s",
  subnetCidr: "10.20.0.0/20",
  masterCidr: "172.16.0.0/28",
  gkeKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/gke",
  labels: TEST_LABELS,
  workloads: [
    {
      ...worker,
      secretFiles: { RPC_URLS: "projects/p/secrets/rpc-urls/versions/3" },
      gsaEmail: "executor@p.iam.gserviceaccount.com",
      gsaName: "projects/p/serviceAccounts/executor@p.iam.gserviceaccount.com",
    },
    {
      workload: "scanner",
      image: "img:1",
      minReplicas: 1,
      maxReplicas: 2,
      env: {},
      gsaEmail: "scanner@p.iam.gserviceaccount.com",
      gsaName: "projects/p/serviceAccounts/scanner@p.iam.gserviceaccount.com",
    },
  ],
};

describe("manifests", () => {
  it("runs containers non-root, read-only, without escalation (K8S-001) with requests and limits (K8S-002)", () => {
    const container = deploymentSpec(worker).template.spec.containers[0];
    expect(container?.securityContext).toEqual(containerSecurityContext());
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(container?.resources.requests).toBeDefined();
    expect(container?.resources.limits).toBeDefined();
  });
  it("scales consumers on their Pub/Sub backlog and others on CPU", () => {
    expect(hpaSpec(worker).metrics[0]).toMatchObject({
      type: "External",
      external: { metric: { selector: { matchLabels: { "resource.labels.subscription_id": "orders-executor" } } } },
    });
    expect(hpaSpec({ ...worker, backlogSubscription: undefined }).metrics[0]?.type).toBe("Resource");
    expect(() => hpaSpec({ ...worker, minReplicas: 0 })).toThrow(/1 <= min <= max/);
  });
  it("mounts a workload's secret files read-only through the Secret Manager add-on's driver, and nothing without them", () => {
    const pod = deploymentSpec({ ...worker, secretFiles: { RPC_URLS: "projects/p/secrets/rpc/versions/3" } }).template
      .spec;
    expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: "secrets", mountPath: SECRETS_DIR, readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: "secrets",
      csi: { driver: SECRETS_CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: "executor" } },
    });
    const plain = deploymentSpec(worker).template.spec;
    expect(plain.volumes.map((v) => v.name)).toEqual(["tmp"]);
    expect(plain.containers[0]?.volumeMounts.map((m) => m.name)).toEqual(["tmp"]);
  });
  it("gives a workload the span variables a Cloud Run bot gets, and a hardened collector sidecar when asked", () => {
    const envOf = (spec: ReturnType<typeof deploymentSpec>) =>
      Object.fromEntries(spec.template.spec.containers[0]?.env.map((e) => [e.name, e.value]) ?? []);
    const plain = deploymentSpec(worker);
    expect(Object.keys(envOf(plain)).filter((n) => n.startsWith("OTEL_"))).toEqual([]);
    expect(plain.template.spec).not.toHaveProperty("initContainers");

    const endpoint = deploymentSpec(worker, {
      settings: { otlpEndpoint: "https://otlp.example.com", sampleRatio: 0.25 },
      serviceName: "orion-prod-executor",
      project: "p",
    });
    expect(envOf(endpoint)).toMatchObject({
      OTEL_SERVICE_NAME: "orion-prod-executor",
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example.com",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    });
    expect(endpoint.template.spec).not.toHaveProperty("initContainers");

    const sidecar = deploymentSpec(
      { ...worker, env: { LOG_LEVEL: "info" } },
      { settings: { collector: { image: "otelcol@sha256:1" } }, serviceName: "orion-prod-executor", project: "p" },
    );
    expect(envOf(sidecar)).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", LOG_LEVEL: "info" });
    const [collector] = sidecar.template.spec.initContainers ?? [];
    // A native sidecar: started before the bot, kept running beside it, stopped after it.
    expect(collector).toMatchObject({ name: COLLECTOR_CONTAINER, image: "otelcol@sha256:1", restartPolicy: "Always" });
    expect(collector?.securityContext).toEqual(containerSecurityContext());
    expect(collector?.resources.requests).toBeDefined();
    expect(collector?.resources.limits).toBeDefined();
    expect(collector?.env[0]?.value).toMatch(/exporters:\n {2}googlecloud:\n {4}project: p\n/);
  });
  it("ejects failing pods (outlier detection) over mTLS", () => {
    expect(destinationRuleSpec("executor").trafficPolicy).toMatchObject({
      outlierDetection: { consecutive5xxErrors: 5 },
      tls: { mode: "ISTIO_MUTUAL" },
    });
  });
});

describe("KubernetesRuntime", () => {
  it("is a private, shielded, Workload Identity cluster with CMEK secrets (GKE-001..004)", async () => {
    const resources = await build(() => new KubernetesRuntime("gke", args));
    const cluster = ofType(resources, "gcp:container/cluster:Cluster")[0];
    expect(cluster?.inputs).toMatchObject({
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: true,
        masterIpv4CidrBlock: "172.16.0.0/28",
      },
      masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "10.20.0.0/20" }] },
      workloadIdentityConfig: { workloadPool: `${TEST_PROJECT}.svc.id.goog` },
      enableShieldedNodes: true,
      enableLegacyAbac: false,
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
      databaseEncryption: { state: "ENCRYPTED", keyName: args.gkeKeyId },
      releaseChannel: { channel: "REGULAR" },
    });
    const pool = ofType(resources, "NodePool")[0];
    expect(at(pool, "management")).toEqual({ autoRepair: true, autoUpgrade: true });
    expect(at(pool, "nodeConfig.workloadMetadataConfig.mode")).toBe("GKE_METADATA");
    expect(at(pool, "nodeConfig.shieldedInstanceConfig.enableSecureBoot")).toBe(true);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("deploys each bot with an HPA, a PDB and a circuit breaker, behind default-deny and STRICT mTLS (K8S-003..005)", async () => {
    const resources = await build(() => new KubernetesRuntime("gke", args));
    expect(ofType(resources, "kubernetes:apps/v1:Deployment")).toHaveLength(2);
    expect(ofType(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toHaveLength(2);
    expect(ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(2);
    const deny = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
      (p) => at(p, "metadata.name") === "default-deny",
    );
    expect(at(deny, "spec")).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const custom = ofType(resources, "kubernetes:security.istio.io/v1:PeerAuthentication");
    expect(at(custom[0], "spec.mtls.mode")).toBe("STRICT");
    expect(ofType(resources, "kubernetes:networking.istio.io/v1:DestinationRule")).toHaveLength(2);
    const wi = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember").map((m) => m.inputs.member);
    expect(wi).toContain(`serviceAccount:${TEST_PROJECT}.svc.id.goog[orion/executor]`);
  });

  it("has the Secret Manager add-on fetch each workload's pinned versions, for the workloads that have secrets", async () => {
    const resources = await build(() => new KubernetesRuntime("gke", args));
    expect(at(ofType(resources, "gcp:container/cluster:Cluster")[0], "secretManagerConfig")).toEqual({ enabled: true });
    const classes = ofType(resources, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
    expect(classes.map((c) => at(c, "metadata"))).toEqual([{ name: "executor", namespace: "orion" }]);
    expect(at(classes[0], "spec.provider")).toBe("gke");
    expect(JSON.parse(at(classes[0], "spec.parameters.secrets") as string)).toEqual([
      { resourceName: "projects/p/secrets/rpc-urls/versions/3", path: "RPC_URLS" },
    ]);
    // A new version must roll the pods: the files are fetched when a pod starts.
    const deployments = ofType(resources, "kubernetes:apps/v1:Deployment");
    const annotations = (workload: string) =>
      at(
        deployments.find((d) => at(d, "metadata.name") === workload),
        "spec.template.metadata.annotations",
      );
    expect(annotations("executor")).toEqual({ [SECRET_VERSIONS_ANNOTATION]: "projects/p/secrets/rpc-urls/versions/3" });
    expect(annotations("scanner")).toBeUndefined();
  });

  it("traces every workload the same way, named per workload; refuses tracing settings that cannot work", async () => {
    const tracing = { collector: { image: "otelcol@sha256:1" }, sampleRatio: 0.5 };
    const resources = await build(() => new KubernetesRuntime("gke", { ...args, tracing }));
    const deployments = ofType(resources, "kubernetes:apps/v1:Deployment");
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      const workload = at(d, "metadata.name") as string;
      const env = at(d, "spec.template.spec.containers.0.env") as { name: string; value: string }[];
      expect(env).toContainEqual({ name: "OTEL_SERVICE_NAME", value: `orion-test-${workload}` });
      expect(env).toContainEqual({ name: "OTEL_TRACES_SAMPLER_ARG", value: "0.5" });
      expect(at(d, "spec.template.spec.initContainers.0.name")).toBe(COLLECTOR_CONTAINER);
    }
    await expect(
      build(() => new KubernetesRuntime("gke", { ...args, tracing: { otlpEndpoint: "https://o", sampleRatio: 2 } })),
    ).rejects.toThrow(/KubernetesRuntime gke: tracing.sampleRatio must be in \(0, 1\]/);
  });

  it("never puts cluster credentials in the plan", async () => {
    const resources = await build(() => new KubernetesRuntime("gke", args));
    expect(ofType(resources, "pulumi:providers:kubernetes")[0]?.inputs.kubeconfig).toBe("[secret]");
  });

  it("refuses a control-plane range that is not a /28", async () => {
    await expect(build(() => new KubernetesRuntime("gke", { ...args, masterCidr: "172.16.0.0/24" }))).rejects.toThrow(
      /masterCidr must be a \/28/,
    );
  });
});
