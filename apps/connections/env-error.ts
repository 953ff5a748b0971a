/**
 * A connection variable that is missing or malformed. The message is one line naming the variable and what it must be;
 * a service entrypoint turns it into exit code 2 before anything connects.
 */
export class EnvError extends Error {
  override readonly name = "EnvError";

  constructor(
    /** The environment variable at fault, e.g. "REDIS_CA_CERT". */
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable} ${reason}`);
  }
}

/** Readiness of one dependency, as `/readyz` reports it: never a secret, always a reason when not ready. */
export type Readiness = { ready: true } | { ready: false; reason: string };
