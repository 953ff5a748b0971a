import { initialControlState } from "./defaults.ts";
import { log } from "./log.ts";
import { killSwitchTransition, riskLimitsTransition, switchModeTransition } from "./transitions.ts";
import { VersionConflict, type ControlState, type ControlStore, type Mode, type RiskLimits } from "./types.ts";

/**
 * The control store of a single-process run: the same semantics as Redis, with one process as its only reader.
 * `clock` stamps each change (`since`, the kill switch's `at`); tests pass their own instead of waiting for time.
 */
export function createMemoryControlStore(
  initial?: Partial<ControlState>,
  clock: () => Date = () => new Date(),
): ControlStore {
  let state = initialControlState(clock(), initial);
  const listeners = new Set<(s: ControlState) => void>();

  function commit(next: ControlState | null, actor: string, change: string): ControlState {
    if (next === null) return state;
    state = next;
    log.info({ actor, change, version: next.version, mode: next.mode, epoch: next.epoch }, "control state changed");
    for (const l of listeners) queueMicrotask(() => l(next));
    return next;
  }
  function expect(version: number): void {
    if (version !== state.version) throw new VersionConflict(version, state.version);
  }

  return {
    async read() {
      return state;
    },
    async switchMode(target: Mode, expectedVersion: number, actor: string) {
      expect(expectedVersion);
      return commit(switchModeTransition(state, target, clock()), actor, `mode -> ${target}`);
    },
    async setKillSwitch(engaged: boolean, reason: string, actor: string) {
      return commit(killSwitchTransition(state, engaged, reason, clock()), actor, `kill switch -> ${engaged}`);
    },
    async setRiskLimits(limits: RiskLimits, expectedVersion: number, actor: string) {
      expect(expectedVersion);
      return commit(riskLimitsTransition(state, limits), actor, "risk limits");
    },
    async watch(listener) {
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
