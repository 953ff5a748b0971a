import { resourcePolicy } from "./factory.ts";
import { at, isSet, isTrue, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

export const CLUSTER = "gcp:container/cluster:Cluster";
export const NODE_POOL = "gcp:container/nodePool:NodePool";

export const gkePrivateCluster = () =>
  resourcePolicy({
    name: "gke-private-nodes-restricted-control-plane",
    description: "GKE clusters must have private nodes and a restricted control-plane endpoint.",
    controls: ["GKE-001"],
    types: [CLUSTER],
    check: (props, _args, report) => {
      if (!isTrue(props, "privateClusterConfig.enablePrivateNodes")) {
        report("GKE-001", "privateClusterConfig.enablePrivateNodes must be true.");
      }
      if (!isSet(at(props, "masterAuthorizedNetworksConfig"))) {
        report("GKE-001", "masterAuthorizedNetworksConfig must be set.");
      }
    },
  });

export const gkeWorkloadIdentity = () =>
  resourcePolicy({
    name: "gke-workload-identity",
    description: "GKE clusters and node pools must use workload identity and the GKE metadata server.",
    controls: ["GKE-002"],
    types: [CLUSTER, NODE_POOL],
    check: (props, args, report) => {
      if (args.type === CLUSTER && !isSet(at(props, "workloadIdentityConfig.workloadPool"))) {
        report("GKE-002", "workloadIdentityConfig.workloadPool must be set.");
      }
      // Autopilot manages its nodes; a cluster whose default pool is removed has no node config of its own.
      const autopilot = isTrue(props, "enableAutopilot");
      const nodes = args.type === NODE_POOL || (!autopilot && !isTrue(props, "removeDefaultNodePool"));
      if (nodes && str(props, "nodeConfig.workloadMetadataConfig.mode") !== "GKE_METADATA") {
        report("GKE-002", "nodeConfig.workloadMetadataConfig.mode must be GKE_METADATA.");
      }
    },
  });

export const gkeHardening = () =>
  resourcePolicy({
    name: "gke-shielded-nodes-and-hardening",
    description:
      "GKE must use shielded nodes with secure boot, no legacy ABAC, no client certificate, and binary authorization.",
    controls: ["GKE-003"],
    types: [CLUSTER, NODE_POOL],
    check: (props, args, report) => {
      const autopilot = isTrue(props, "enableAutopilot");
      const nodes = args.type === NODE_POOL || (!autopilot && !isTrue(props, "removeDefaultNodePool"));
      if (nodes && !isTrue(props, "nodeConfig.shieldedInstanceConfig.enableSecureBoot")) {
        report("GKE-003", "nodeConfig.shieldedInstanceConfig.enableSecureBoot must be true.");
      }
      if (args.type === NODE_POOL) return;
      if (at(props, "enableShieldedNodes") === false) report("GKE-003", "enableShieldedNodes must not be false.");
      if (isTrue(props, "enableLegacyAbac")) report("GKE-003", "enableLegacyAbac must be false.");
      if (isTrue(props, "masterAuth.clientCertificateConfig.issueClientCertificate")) {
        report("GKE-003", "masterAuth.clientCertificateConfig.issueClientCertificate must be false.");
      }
      if (str(props, "binaryAuthorization.evaluationMode") !== "PROJECT_SINGLETON_POLICY_ENFORCE") {
        report("GKE-003", "binaryAuthorization.evaluationMode must be PROJECT_SINGLETON_POLICY_ENFORCE.");
      }
    },
  });

export const gkeEncryptionAndPatching = () =>
  resourcePolicy({
    name: "gke-secrets-cmek-and-auto-patching",
    description:
      "GKE must encrypt secrets with a customer-managed key, follow a release channel, and repair and upgrade nodes.",
    controls: ["GKE-004"],
    types: [CLUSTER, NODE_POOL],
    check: (props, args, report) => {
      if (args.type === NODE_POOL) {
        // Both default to true in the API; only an explicit false turns them off.
        if (at(props, "management.autoRepair") === false || at(props, "management.autoUpgrade") === false) {
          report("GKE-004", "management.autoRepair and management.autoUpgrade must be true.");
        }
        return;
      }
      if (str(props, "databaseEncryption.state") !== "ENCRYPTED" || !isSet(at(props, "databaseEncryption.keyName"))) {
        report("GKE-004", "databaseEncryption must be ENCRYPTED with a keyName.");
      }
      const channel = str(props, "releaseChannel.channel");
      if (channel === undefined || channel === "UNSPECIFIED") report("GKE-004", "releaseChannel.channel must be set.");
    },
  });

export function gkePolicies(): OrionPolicy[] {
  return [gkePrivateCluster(), gkeWorkloadIdentity(), gkeHardening(), gkeEncryptionAndPatching()];
}
