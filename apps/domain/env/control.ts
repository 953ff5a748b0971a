import { z } from "zod";
import { optional } from "./vars.ts";

/**
 * Where the authoritative control store is (mode, epoch, kill switch, risk limits). There is one per stack, the
 * primary region's Redis, so a kill switch engaged through any region's API is the state every region's bots read
 * on their next block. Unset: the bot's own Redis is the control store (a laptop, or the primary region itself).
 * Locally a URL; in the cloud the primary's Memorystore by host, over TLS verified against its CA, with its AUTH.
 */
export const controlVariables = {
  ORION_CONTROL_REDIS_URL: optional(z.string().url("must be a redis:// URL")).describe(
    "the control store's redis:// URL when it is not REDIS_URL (local runs)",
  ),
  ORION_CONTROL_REDIS_HOST: optional(z.string().min(1)).describe(
    "the control store's host: the primary region's Memorystore (TLS and AUTH)",
  ),
  ORION_CONTROL_REDIS_PORT: optional(z.string()).describe("the control store's TLS port (default 6378, Memorystore's)"),
  ORION_CONTROL_REDIS_CA_CERT: optional(z.string()).describe("PEM of the control store's server CA"),
  ORION_CONTROL_REDIS_PASSWORD: optional(z.string()).describe("the control store's AUTH string (Secret Manager)"),
} as const;
