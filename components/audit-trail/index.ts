export { AuditTrail, type AuditTrailArgs } from "./audit-trail.ts";
export { retentionSeconds, AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS, AUDIT_LOG_FILTER } from "./retention.ts";
