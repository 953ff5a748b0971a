export const DAY_SECONDS = 86_400;
/** Financial records: 7 years (2555 days), the longest of SOX, MiFID II and PCI DSS 10.5.1's floor. */
export const AUDIT_RETENTION_DAYS = 2555;
/** GCS-004 / LOG-003 floor for any audit store. */
export const MIN_RETENTION_DAYS = 365;

/** Validates a retention choice and returns it in seconds for the bucket's retention policy. */
export function retentionSeconds(days: number, what: string): number {
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS) {
    throw new Error(`${what} must be a whole number of days >= ${MIN_RETENTION_DAYS} (GCS-004, LOG-003), got ${days}`);
  }
  return days * DAY_SECONDS;
}

/** Audit log entries of every kind: admin activity, data access, system events and policy denials. */
export const AUDIT_LOG_FILTER = 'logName:"cloudaudit.googleapis.com"';
