import { validateRiskLimits } from "./schema.ts";
import type { ControlState, Mode, RiskLimits } from "./types.ts";

/**
 * Pure state changes shared by every store implementation; the stores add only the atomic compare-and-set.
 * Each returns null when nothing would change, so a no-op neither bumps the version nor notifies anyone.
 */
export function switchModeTransition(s: ControlState, target: Mode, now: Date): ControlState | null {
  if (s.mode === target) return null;
  return { ...s, mode: target, version: s.version + 1, epoch: s.epoch + 1, since: now.toISOString() };
}

export function killSwitchTransition(
  s: ControlState,
  engaged: boolean,
  reason: string,
  now: Date,
): ControlState | null {
  if (s.killSwitch.engaged === engaged && (!engaged || s.killSwitch.reason === reason)) return null;
  const killSwitch = engaged
    ? { engaged, reason, since: s.killSwitch.engaged ? s.killSwitch.since : now.toISOString() }
    : { engaged, reason: null, since: null };
  return { ...s, version: s.version + 1, killSwitch };
}

export function riskLimitsTransition(s: ControlState, limits: RiskLimits): ControlState {
  return { ...s, version: s.version + 1, limits: validateRiskLimits(limits) };
}
