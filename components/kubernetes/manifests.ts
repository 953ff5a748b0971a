import type { Input } from "@pulumi/pulumi";
import {
  COLLECTOR_CONTAINER,
  COLLECTOR_PORT,
  collectorConfig,
  tracingEnv,
  type TracingArgs,
} from "../common/tracing.ts";

/** Pure builders for the workload manifests: what K8S-001..005 require, testable without a cluster. */

export const NAMESPACE = "orion";

export interface WorkloadSpec {
  workload: string;
  image: string;
  minReplicas: number;
  maxReplicas: number;
  /** Scale on this Pub/Sub subscription's backlog instead of CPU (consumers of the trading flow). */
  backlogSubscription?: string;
  env: Readonly<Record<string, Input<string>>>;
  /**
   * Secret Manager versions mounted as files in SECRETS_DIR (the GKE Secret Manager add-on): file name ->
   * `projects/P/secrets/S/versions/N`, pinned like Cloud Run's. The env names the files (`<VAR>_FILE`).
   */
  secretFiles?: Readonly<Record<string, Input<string>>>;
}

/** Where each workload's secrets are mounted, read-only, one file per secret. */
export const SECRETS_DIR = "/var/run/secrets/orion";

/** The pod-template annotation listing the mounted secret versions, so a new version rolls the pods. */
export const SECRET_VERSIONS_ANNOTATION = "alpha-orion/secret-versions";

/** The add-on's CSI driver (provider "gke"): secrets stay in tmpfs on the node, never in a Kubernetes Secret. */
export const SECRETS_CSI_DRIVER = "secrets-store-gke.csi.k8s.io";

/** A workload's tracing: the runtime's settings, the name on its spans, and the project a sidecar writes to. */
export interface WorkloadTracing {
  settings: TracingArgs;
  serviceName: string;
  project: string;
}

const hasSecretFiles = (w: WorkloadSpec): boolean => Object.keys(w.secretFiles ?? {}).length > 0;

/**
 * The collector as a native sidecar (an init container that keeps running, Kubernetes 1.29+): it is up before the
 * bot starts, so no span of the first block is dropped, and it stops after the bot, so the last batch is flushed.
 * Hardened like the bot (K8S-001, K8S-002).
 */
function collectorSidecar(image: string, project: string) {
  return {
    name: COLLECTOR_CONTAINER,
    image,
    restartPolicy: "Always",
    args: ["--config=env:OTELCOL_CONFIG"],
    env: [{ name: "OTELCOL_CONFIG", value: collectorConfig(project) }],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    securityContext: containerSecurityContext(),
    startupProbe: { tcpSocket: { port: COLLECTOR_PORT }, periodSeconds: 2, failureThreshold: 15 },
  };
}

/**
 * The SecretProviderClass of one workload: which versions the add-on fetches (as the pod's own Workload Identity)
 * and the file each becomes. `secrets` is a YAML string to the driver; JSON is YAML, so no hand-written quoting.
 */
export function secretProviderClassSpec(files: Readonly<Record<string, string>>) {
  return {
    provider: "gke",
    parameters: {
      secrets: JSON.stringify(Object.entries(files).map(([path, resourceName]) => ({ resourceName, path }))),
    },
  };
}

/** K8S-001: non-root, read-only root, no escalation, no capabilities, the runtime's seccomp profile. */
export function containerSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function deploymentSpec(w: WorkloadSpec, tracing?: WorkloadTracing) {
  const labels = { app: w.workload };
  const spanEnv = tracingEnv(tracing?.settings, tracing?.serviceName ?? w.workload);
  const collector = tracing?.settings.collector;
  return {
    replicas: w.minReplicas,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName: w.workload,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
        ...(collector && tracing ? { initContainers: [collectorSidecar(collector.image, tracing.project)] } : {}),
        containers: [
          {
            name: w.workload,
            image: w.image,
            // The one image's entrypoint is the orion CLI; the args make this container its bot.
            args: ["run", w.workload],
            ports: [{ containerPort: 8080, name: "http" }],
            // The same span variables as a Cloud Run bot's; the workload's own env wins on a clash, as there.
            env: Object.entries({ ...spanEnv, ...w.env }).map(([name, value]) => ({ name, value })),
            // K8S-002: requests for scheduling, limits so one bot cannot starve another.
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            securityContext: containerSecurityContext(),
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 15 },
            volumeMounts: [
              { name: "tmp", mountPath: "/tmp" },
              ...(hasSecretFiles(w) ? [{ name: "secrets", mountPath: SECRETS_DIR, readOnly: true }] : []),
            ],
          },
        ],
        // The root filesystem is read-only; scratch space is an emptyDir.
        volumes: [
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ...(hasSecretFiles(w)
            ? [
                {
                  name: "secrets",
                  csi: {
                    driver: SECRETS_CSI_DRIVER,
                    readOnly: true,
                    volumeAttributes: { secretProviderClass: w.workload },
                  },
                },
              ]
            : []),
        ],
      },
    },
  };
}

/** Consumers scale on undelivered messages (about 50 per replica); the others on CPU. */
export function hpaSpec(w: WorkloadSpec) {
  if (w.minReplicas < 1 || w.maxReplicas < w.minReplicas) {
    throw new Error(`${w.workload}: replicas must satisfy 1 <= min <= max, got ${w.minReplicas}..${w.maxReplicas}`);
  }
  const metric = w.backlogSubscription
    ? {
        type: "External",
        external: {
          metric: {
            name: "pubsub.googleapis.com|subscription|num_undelivered_messages",
            selector: { matchLabels: { "resource.labels.subscription_id": w.backlogSubscription } },
          },
          target: { type: "AverageValue", averageValue: "50" },
        },
      }
    : { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } };
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: w.workload },
    minReplicas: w.minReplicas,
    maxReplicas: w.maxReplicas,
    metrics: [metric],
  };
}

/** Istio circuit breaking: eject a pod after 5 consecutive 5xx for 30 s, never more than half of them. */
export function destinationRuleSpec(workload: string) {
  return {
    host: `${workload}.${NAMESPACE}.svc.cluster.local`,
    trafficPolicy: {
      connectionPool: { http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 100 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
      tls: { mode: "ISTIO_MUTUAL" },
    },
  };
}
