/**
 * The cloud executor's private submission, decided from its env before anything connects: the relay is
 * ORION_RELAY_URL, else the chain profile's `relayUrl`, else none (the public mempool). With a relay, the reputation
 * key (ORION_RELAY_KEY, or ORION_RELAY_KEY_FILE as Secret Manager mounts it) must be set, well formed and not the
 * trading key; anything else is an EnvError naming the variable, and the key itself is never echoed.
 */
import { computeAddress } from "ethers";
import type { ChainProfile } from "../../chain/index.ts";
import { EnvError, type BotEnv } from "../../domain/env/index.ts";
import type { RelaySubmission } from "../executor.ts";

type RelayEnv = Pick<
  BotEnv<"executor">,
  "ORION_RELAY_URL" | "ORION_RELAY_KEY" | "ORION_BID_SHARE_BPS" | "ORION_EXECUTOR_ACCOUNT"
>;

export function relaySubmission(e: RelayEnv, profile: Pick<ChainProfile, "name" | "relayUrl">): RelaySubmission | null {
  const url = e.ORION_RELAY_URL ?? profile.relayUrl;
  if (url === undefined) return null;
  const named = e.ORION_RELAY_URL !== undefined ? "ORION_RELAY_URL" : `chain profile ${profile.name}'s relayUrl`;
  const reputationKey = e.ORION_RELAY_KEY;
  if (reputationKey === undefined) {
    throw new EnvError(
      "ORION_RELAY_KEY",
      `is not set: ${named} sends trades to a relay, which needs a reputation key (0x 32-byte hex, or ` +
        "ORION_RELAY_KEY_FILE naming a file that holds it)",
    );
  }
  // The trading account, whichever signer holds its key (a key file or KMS): a relay ranks senders by this key.
  if (computeAddress(reputationKey).toLowerCase() === e.ORION_EXECUTOR_ACCOUNT.toLowerCase()) {
    throw new EnvError(
      "ORION_RELAY_KEY",
      "is the key of ORION_EXECUTOR_ACCOUNT: the reputation key must be a key of its own, holding nothing",
    );
  }
  return { url, reputationKey, bidShareBps: e.ORION_BID_SHARE_BPS };
}
