/** The coordination state every service reads before acting: the mode, the kill switch and the risk limits. */
import type { Mode } from "../domain/index.ts";

export type { Mode };

export interface RiskLimits {
  /** An order must predict at least this profit (base-token units) after its gas cost. */
  minProfitAfterGasWei: bigint;
  /** Largest amountIn per trade, by lowercase token address; tokens not listed use defaultMaxAmountIn. */
  maxAmountInPerToken: Record<string, bigint>;
  defaultMaxAmountIn: bigint;
  /** Sum of amountIn over orders sent and not yet final. */
  maxOpenExposureWei: bigint;
  /** Realized loss (gas of failed trades included) in the current UTC day and epoch that stops new orders. */
  dailyLossLimitWei: bigint;
  /** Consecutive failed or reverted trades that open the circuit breaker. */
  maxConsecutiveFailures: number;
}

export interface KillSwitch {
  engaged: boolean;
  reason: string | null;
  since: string | null;
}

export interface ControlState {
  mode: Mode;
  /** Increments on every change; the compare-and-set token for writers. */
  version: number;
  /** Increments when the mode really changes, so figures of different modes never mix. */
  epoch: number;
  /** ISO time the epoch began. */
  since: string;
  killSwitch: KillSwitch;
  limits: RiskLimits;
}

/** The store cannot be read or written: callers must halt new orders, never assume a mode. */
export class ControlStoreUnavailable extends Error {
  override readonly name = "ControlStoreUnavailable";
}

/** A compare-and-set lost: the caller's view of the state is stale. Re-read, then decide again. */
export class VersionConflict extends Error {
  override readonly name = "VersionConflict";
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`control state is at version ${actualVersion}, not ${expectedVersion}: re-read and retry`);
  }
}

export interface ControlStore {
  /** Throws ControlStoreUnavailable when the store cannot be read. */
  read(): Promise<ControlState>;
  /** Atomic compare-and-set; a real change starts a new epoch; VersionConflict on a stale version. */
  switchMode(target: Mode, expectedVersion: number, actor: string): Promise<ControlState>;
  setKillSwitch(engaged: boolean, reason: string, actor: string): Promise<ControlState>;
  setRiskLimits(limits: RiskLimits, expectedVersion: number, actor: string): Promise<ControlState>;
  /** Calls listener with every new state; resolves to an unsubscribe function. */
  watch(listener: (state: ControlState) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
