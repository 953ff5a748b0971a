/**
 * What every bot is to whatever runs it (`orion run <bot>` alone, or `orion dev` with the others): a long-running
 * service built from a typed config and its connections, started once and stopped once.
 */
import type { Readiness } from "../connections/index.ts";

// Defined once, beside the connection probes that produce it; a bot's own readiness has the same shape.
export type { Readiness };

export const BOT_NAMES = ["scanner", "orchestrator", "executor", "api"] as const;
export type BotName = (typeof BOT_NAMES)[number];

export interface BotService {
  readonly bot: BotName;
  /** Loads its state and starts taking work; resolves once it does. */
  start(): Promise<void>;
  /** Whether the bot is doing its job now (its own dependencies answer); `/readyz` is false otherwise. */
  readiness(): Readiness;
  /**
   * Stops taking work and finishes or hands back what is in flight within `graceMs`: a message not acknowledged is
   * redelivered to another consumer; a sent trade not yet final is reconciled by the next executor to start.
   */
  stop(graceMs: number): Promise<void>;
}
