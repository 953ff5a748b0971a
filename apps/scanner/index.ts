export { ScannerService, type ScanReport, type ScannerServiceOptions } from "./service.ts";
export { opportunityId, toCandidates } from "./candidates.ts";
