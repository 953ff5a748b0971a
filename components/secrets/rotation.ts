/**
 * When Secret Manager first reminds the operators to rotate a secret: one rotation period after the deploy that
 * creates it, on the hour. A fixed calendar date in config would pass and then be refused (FEAS-005). Secret Manager
 * moves the time forward itself after each reminder, so the Secret ignores later differences on this field.
 */
export function firstRotationTime(now: Date, periodSeconds: number): string {
  const at = new Date(now.getTime() + periodSeconds * 1000);
  at.setUTCMinutes(0, 0, 0);
  return at.toISOString().replace(/\.000Z$/, "Z");
}
