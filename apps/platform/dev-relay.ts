/**
 * `orion dev --relay`: the devnet's blocks are built by the local relay (apps/chain/local-relay.ts), one every block
 * interval, instead of by the devnet's own interval; live trades go to it as bundles signed by a fresh reputation key
 * that holds nothing. The laptop session then submits as the cloud executor does to a real relay: `eth_sendBundle`
 * for the next block, a signed request, a profit-share bid, a bundle that would revert left out at no cost.
 */
import { Wallet } from "ethers";
import { startLocalRelay, type FailoverProvider } from "../chain/index.ts";

export interface DevRelay {
  url: string;
  /** The reputation key (a fresh key: a relay ranks senders by it; it holds nothing). */
  reputationKey: string;
  reputation: string;
  /** Blocks start coming (SessionChain.startBlocks): one built every block interval. */
  startBlocks(): void;
  /** No block after the one being built (SessionChain.stopBlocks). */
  stopBlocks(): void;
  /** Stops building, reports what the relay did and closes it. */
  close(): Promise<void>;
}

export async function startDevRelay(
  provider: FailoverProvider,
  blockTimeMs: number,
  out: (line: string) => void,
): Promise<DevRelay> {
  // The relay decides every block: the devnet's interval would mine blocks nobody bid on.
  await provider.send("evm_setIntervalMining", [0]);
  const relay = await startLocalRelay({ request: ({ method, params }) => provider.send(method, params ?? []) });
  const wallet = Wallet.createRandom();
  const stats = { built: 0, landed: 0, leftOut: 0, takenBack: 0 };
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  const build = async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, blockTimeMs));
      if (!running) return;
      try {
        const block = await relay.buildBlock();
        stats.built++;
        if (block.included) stats.landed++;
        stats.leftOut += block.reverted.length;
        stats.takenBack += block.takenBack;
      } catch (err) {
        out(`relay: block not built: ${(err as Error).message}`);
      }
    }
  };
  out(
    `relay: the local relay at ${relay.url} builds a block every ${blockTimeMs} ms; live trades go to it as ` +
      `bundles signed by reputation key ${wallet.address.toLowerCase()}`,
  );
  return {
    url: relay.url,
    reputationKey: wallet.privateKey,
    reputation: wallet.address.toLowerCase(),
    startBlocks() {
      if (running) return;
      running = true;
      loop = build();
    },
    stopBlocks() {
      running = false;
    },
    async close() {
      running = false;
      await loop;
      await relay.close();
      out(
        `relay: ${stats.built} blocks built, ${stats.landed} with a bundle, ${stats.leftOut} bundle(s) left out ` +
          `(would revert, or outbid) at no cost, ${stats.takenBack} of them after a block was mined and taken back`,
      );
    },
  };
}
