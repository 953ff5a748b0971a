export { KubernetesRuntime, type KubernetesRuntimeArgs } from "./kubernetes.ts";
export {
  containerSecurityContext,
  deploymentSpec,
  hpaSpec,
  destinationRuleSpec,
  NAMESPACE,
  SECRET_VERSIONS_ANNOTATION,
  SECRETS_CSI_DRIVER,
  SECRETS_DIR,
  secretProviderClassSpec,
  type WorkloadSpec,
  type WorkloadTracing,
} from "./manifests.ts";
