export type { ComponentArgs } from "./args.ts";
export { validateLabels, labelsFor, type GovernanceLabels, type Labels } from "./labels.ts";
export { gcpName, imageReference, shortRegion } from "./naming.ts";
export {
  runOffline,
  plainValue,
  withEngineUrns,
  STACK_TYPE,
  SECRET_MARKER,
  type Registration,
  type OfflineRun,
} from "./offline.ts";
export { mocksFor, mockOutputs, mockCall, PROJECT_NUMBER } from "./mocks.ts";
