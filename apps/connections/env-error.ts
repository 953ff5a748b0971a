// The env contract's error (one line naming the variable; exit 2 before connecting), shared with apps/domain/env.
export { EnvError } from "../domain/env/index.ts";

/** Readiness of one dependency, as `/readyz` reports it: never a secret, always a reason when not ready. */
export type Readiness = { ready: true } | { ready: false; reason: string };
