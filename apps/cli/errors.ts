/**
 * Errors a user can fix: bad flags, a malformed input file, a field out of range.
 * The CLI prints `message` as one line and exits 2; nothing else about the error reaches the user.
 */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** The check ran and found a problem (compliance violations, a broken audit chain): exit 1. */
export class CheckFailed extends Error {
  override readonly name = "CheckFailed";
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Maps any thrown value to the exit code and the single line the user sees. */
export function describeFailure(err: unknown): { code: number; line: string } {
  if (err instanceof InputError) return { code: EXIT_USAGE, line: err.message };
  if (err instanceof CheckFailed) return { code: EXIT_FAILED, line: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: EXIT_FAILED, line: message.split("\n")[0] ?? "failed" };
}
