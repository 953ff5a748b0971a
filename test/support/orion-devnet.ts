/**
 * `orion devnet` as a separate process, as a user runs it: the tests reach it over JSON-RPC only, like a foreign chain.
 */
import { startOrionDevnet as start, type OrionDevnet } from "../../apps/platform/devnet-host.ts";

export type { OrionDevnet } from "../../apps/platform/devnet-host.ts";

/** Starts `orion devnet --port 0` writing its chain profile to profileFile; resolves once the profile is written. */
export function startOrionDevnet(
  home: string,
  profileFile: string,
  blockTimeMs: number,
  gasModel: "ethereum" | "op-stack" = "ethereum",
): Promise<OrionDevnet> {
  return start({ home, profileFile, blockTimeMs, gasModel });
}
