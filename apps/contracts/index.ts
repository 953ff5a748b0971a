export { compileContracts } from "./compile.ts";
export type { CompiledContracts } from "./compile.ts";
export { loadArtifacts, OWN_CONTRACTS } from "./artifacts.ts";
export type { Artifact, Artifacts, OwnContract } from "./artifacts.ts";
