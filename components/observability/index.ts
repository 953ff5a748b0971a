export { Observability, type ObservabilityArgs } from "./observability.ts";
export { CIS_CHANGE_ALERTS, GCP_SEVERITY, rostersFor, type ChangeAlert, type Severity } from "./cis.ts";
