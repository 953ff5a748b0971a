export { AuditLedger, verifyChain } from "./ledger.ts";
export type { AuditEvent, AuditFilter, AuditRecord, Outcome, VerifyResult } from "./ledger.ts";
export { SubjectKeyVault } from "./subject-keys.ts";
export { canonicalJson, type Json } from "./canonical.ts";
export { exportDay, isClosedDay, type DayExportManifest } from "./export.ts";
