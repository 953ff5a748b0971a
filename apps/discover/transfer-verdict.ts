/**
 * What a transfer probe says about a token: pure. A token that loses any amount on the way is taxed; one whose
 * transfers revert is blocked. Either breaks the executor's exact math (it expects to receive what the pool sends),
 * so both are left out of the snapshot.
 */
import type { ProbeOutcome } from "./chain-reads.ts";

export type TransferVerdict = { kind: "ok" } | { kind: "taxed"; taxBps: number } | { kind: "blocked"; reason: string };

export function judgeTransfers(o: ProbeOutcome): TransferVerdict {
  if (o.kind === "reverted") return { kind: "blocked", reason: `the pool cannot send it: ${o.reason}` };
  if (!o.forwardOk) return { kind: "blocked", reason: "a wallet-to-wallet transfer reverted" };
  if (!o.returnOk) return { kind: "blocked", reason: "a transfer back to the pool reverted" };
  // The worst loss of the three legs, in basis points of what was sent.
  const loss = (sent: bigint, arrived: bigint) =>
    sent === 0n || arrived >= sent ? 0n : ((sent - arrived) * 10_000n + sent - 1n) / sent;
  const worst = [
    loss(o.amountOut, o.received),
    loss(o.forwardSent, o.forwarded),
    loss(o.returnSent, o.returned),
  ].reduce((a, b) => (b > a ? b : a));
  return worst > 0n ? { kind: "taxed", taxBps: Number(worst) } : { kind: "ok" };
}
