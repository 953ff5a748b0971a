import { gkePolicies } from "../gke.ts";
import { policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "gke-private-nodes-restricted-control-plane",
    breaks: "public nodes",
    target: "gke",
    mutate: (i) => setPath(i, "privateClusterConfig", undefined),
    expect: ["GKE-001"],
  },
  {
    policy: "gke-private-nodes-restricted-control-plane",
    breaks: "control plane open to all",
    target: "gke",
    mutate: (i) => setPath(i, "masterAuthorizedNetworksConfig", undefined),
    expect: ["GKE-001"],
  },
  {
    policy: "gke-workload-identity",
    breaks: "no workload pool",
    target: "gke",
    mutate: (i) => setPath(i, "workloadIdentityConfig", undefined),
    expect: ["GKE-002"],
  },
  {
    policy: "gke-workload-identity",
    breaks: "node metadata exposed",
    target: "gke-pool",
    mutate: (i) => setPath(i, "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"),
    expect: ["GKE-002"],
  },
  {
    policy: "gke-shielded-nodes-and-hardening",
    breaks: "no secure boot",
    target: "gke-pool",
    mutate: (i) => setPath(i, "nodeConfig.shieldedInstanceConfig.enableSecureBoot", false),
    expect: ["GKE-003"],
  },
  {
    policy: "gke-shielded-nodes-and-hardening",
    breaks: "legacy ABAC and client certificates",
    target: "gke",
    mutate: (i) => {
      setPath(i, "enableLegacyAbac", true);
      setPath(i, "masterAuth.clientCertificateConfig.issueClientCertificate", true);
    },
    expect: ["GKE-003"],
  },
  {
    policy: "gke-shielded-nodes-and-hardening",
    breaks: "binary authorization off",
    target: "gke",
    mutate: (i) => setPath(i, "binaryAuthorization", undefined),
    expect: ["GKE-003"],
  },
  {
    policy: "gke-secrets-cmek-and-auto-patching",
    breaks: "secrets not CMEK-encrypted",
    target: "gke",
    mutate: (i) => setPath(i, "databaseEncryption", { state: "DECRYPTED" }),
    expect: ["GKE-004"],
  },
  {
    policy: "gke-secrets-cmek-and-auto-patching",
    breaks: "no release channel",
    target: "gke",
    mutate: (i) => setPath(i, "releaseChannel", undefined),
    expect: ["GKE-004"],
  },
  {
    policy: "gke-secrets-cmek-and-auto-patching",
    breaks: "auto-upgrade off",
    target: "gke-pool",
    mutate: (i) => setPath(i, "management.autoUpgrade", false),
    expect: ["GKE-004"],
  },
];

policySpec("gke", () => gkePolicies(), cases);
