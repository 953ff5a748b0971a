import type { Mode } from "../control/index.ts";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

/** A named check; `run` may throw or hang: the runner turns both into a failed result. */
export interface PreflightCheck {
  name: string;
  /** Whether a switch to this target needs the check to pass (sim holds no key, so the signer is live-only). */
  requiredFor: readonly Mode[];
  run(): Promise<CheckResult>;
}

/** Chain-side checks provided by whoever wires the API to a chain (`orion dev`, the cloud entry point). */
export interface ChainChecks {
  /** RPC reachable and its head block recent. */
  rpc?: () => Promise<CheckResult>;
  /** Executor contract has code at its address and is owned by the platform's account. */
  executor?: () => Promise<CheckResult>;
  /** Signer reachable (KMS or devnet key) and its account funded for gas. */
  signer?: () => Promise<CheckResult>;
  /** Only where the run's route is ERC-4337: EntryPoint, bundler, the smart account's executor, the paymaster. */
  erc4337?: () => Promise<CheckResult>;
}

export interface PreflightReport {
  target: Mode;
  ok: boolean;
  checks: { name: string; ok: boolean; required: boolean; detail: string }[];
}

const CHECK_TIMEOUT_MS = 3000;

async function runOne(check: PreflightCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([check.run(), timeout]);
  } catch (err) {
    // The message of a failing dependency is useful to the operator; it is a one-liner, never a stack.
    return { ok: false, detail: (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "failed" };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check concurrently; the target passes when every check required for it passed. */
export async function runPreflight(target: Mode, checks: readonly PreflightCheck[]): Promise<PreflightReport> {
  const results = await Promise.all(checks.map(runOne));
  const rows = checks.map((c, i) => {
    const r = results[i] as CheckResult;
    return { name: c.name, ok: r.ok, required: c.requiredFor.includes(target), detail: r.detail };
  });
  return { target, ok: rows.every((r) => r.ok || !r.required), checks: rows };
}

/** A chain check nobody wired: fails, with a detail saying how to fix it. */
export function notConfigured(what: string): () => Promise<CheckResult> {
  return async () => ({
    ok: false,
    detail: `${what} check not configured: set RPC_URLS and ORION_CHAIN_ID (and ORION_EXECUTOR_*, ORION_SIGNER_KMS) or start the API through \`orion dev\``,
  });
}
