export { validateLabels, labelsFor, type GovernanceLabels, type Labels } from "./labels.ts";
export { gcpName, shortRegion } from "./naming.ts";
