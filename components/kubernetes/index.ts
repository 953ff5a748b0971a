export { KubernetesRuntime, type KubernetesRuntimeArgs } from "./kubernetes.ts";
export {
  containerSecurityContext,
  deploymentSpec,
  hpaSpec,
  destinationRuleSpec,
  NAMESPACE,
  type WorkloadSpec,
} from "./manifests.ts";
