export { AuditLedger, verifyChain } from "./ledger.ts";
export type { AuditEvent, AuditFilter, AuditRecord, Outcome, VerifyResult } from "./ledger.ts";
export { SubjectKeyVault } from "./subject-keys.ts";
export { canonicalJson, type Json } from "./canonical.ts";
export { exportDay, isClosedDay, type DayExportManifest } from "./export.ts";
export {
  anchorChain,
  AnchorRejected,
  anchorKey,
  AnchorDirectory,
  chainHead,
  checkAnchor,
  signAnchor,
  type Anchor,
  type AnchorKey,
} from "./anchors.ts";
export { verifyAnchoredChain, type AnchoredVerifyResult } from "./verify-anchored.ts";
export { verifyLedger, type AnchorSource, type LedgerVerification } from "./verify-ledger.ts";
export { PeriodicAnchorer, ANCHOR_INTERVAL_MS } from "./anchorer.ts";
export { ledgerRewriteRisks } from "./privileges.ts";
