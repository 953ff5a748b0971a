/**
 * The broadcaster port: how a signed EOA transaction leaves the executor. The public mempool is the default; a chain
 * profile that names a `relayUrl` sends each trade as a bundle to that relay instead (bundle-relay.ts), so a
 * profitable transaction is not seen, copied and front-run before it lands, and a bundle that would revert is never
 * included and costs nothing.
 */
import type { JsonRpcApiProvider } from "ethers";

export interface Broadcaster {
  readonly kind: "public" | "bundle";
  /**
   * Hands a signed transaction over for inclusion. `targetBlock` is the block it is meant for: a bundle is valid
   * for that block only; the public mempool keeps the transaction until it is mined or replaced.
   */
  broadcast(raw: string, targetBlock: number): Promise<void>;
  /**
   * Whether a transaction this broadcaster sent and that is not mined by `targetBlock` must be handed over again
   * for a later block (a bundle expires with its block; the mempool keeps what it has).
   */
  readonly expiresWithBlock: boolean;
}

/** eth_sendRawTransaction on the trading provider: every node and builder can see the transaction. */
export function publicMempool(provider: Pick<JsonRpcApiProvider, "send">): Broadcaster {
  return {
    kind: "public",
    expiresWithBlock: false,
    async broadcast(raw) {
      await provider.send("eth_sendRawTransaction", [raw]);
    },
  };
}
