export { compiled, compileContracts } from "./compile.ts";
export type { CompiledContracts, CompileJob, Solc } from "./compile.ts";
export { loadArtifacts, OWN_CONTRACTS } from "./artifacts.ts";
export type { Artifact, Artifacts, OwnContract } from "./artifacts.ts";
export { balancerVaultArtifact } from "./balancer-vault.ts";
