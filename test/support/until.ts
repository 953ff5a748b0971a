/** Polls `probe` every 100 ms until it returns a value (a throw counts as not yet); fails naming `what` after the timeout. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `until` for a condition read synchronously (a counter, a flag, a set's size). */
export function untilTrue(condition: () => boolean, what: string, timeoutMs?: number): Promise<true> {
  return until(async () => (condition() ? true : undefined), what, timeoutMs);
}
