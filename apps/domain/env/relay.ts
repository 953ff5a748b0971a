import { z } from "zod";
import { httpUrl, optional, withDefault } from "./vars.ts";

/** Half of each trade's profit to the block producer: enough to win most auctions, half kept. */
export const DEFAULT_BID_SHARE_BPS = 5_000;

/**
 * Private submission (the executor's EOA route): each trade as a bundle to a relay, signed with a reputation key of
 * its own, bidding a share of its profit to the block producer. A relay is used when the chain profile names a
 * `relayUrl` or ORION_RELAY_URL names one; with neither, trades go to the public mempool.
 */
export const relayVariables = {
  ORION_RELAY_URL: optional(httpUrl).describe(
    "the bundle relay's http(s) URL (eth_sendBundle), overriding the chain profile's relayUrl",
  ),
  ORION_RELAY_KEY: optional(
    z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key"),
  ).describe(
    "the relay's reputation key (0x 32-byte hex; Secret Manager in the cloud, or ORION_RELAY_KEY_FILE): signs " +
      "requests to the relay, holds nothing, never the executor's key; required when trades go to a relay",
  ),
  ORION_BID_SHARE_BPS: withDefault(
    z
      .string()
      .regex(/^\d{1,5}$/, "must be basis points, a whole number 0..10000")
      .transform(Number)
      .refine((n) => n <= 10_000, "must be basis points, a whole number 0..10000"),
    String(DEFAULT_BID_SHARE_BPS),
  ).describe("the share of each trade's profit bid to the block producer through the relay, 0..10000 basis points"),
} as const;
