/**
 * Child-process entry of the local chain for `orion dev`: the EDR devnet served on 127.0.0.1, its seeded markets and
 * the simulated traders run here, so the chain's CPU work never stalls the trading loop's event loop, as a real node
 * would not. The parent talks to it over JSON-RPC like any node, and over IPC only to start mining and to stop it.
 */
import { z } from "zod";
import { devAccounts, startLocalChain } from "../chain/index.ts";
import type { DevnetCommand, DevnetReady } from "./devnet-host.ts";
import { deployDevnetAccountAbstraction } from "./user-operations.ts";

const commandSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("mine"), intervalMs: z.number().int().nonnegative() }),
  z.object({ type: z.literal("close") }),
]);

const send = (m: DevnetReady | { type: "error"; message: string }) => process.send?.(m);

// The parent's death ends the chain too, even while it is still starting: a devnet must not outlive its session.
process.on("disconnect", () => process.exit(0));

try {
  const seed = Number(process.env.ORION_DEVNET_SEED ?? 1);
  const withKey = process.env.ORION_DEVNET_EXECUTOR_KEY === "1";
  const chain = await startLocalChain({ listen: { port: 0 }, seed });
  let accountAbstraction: DevnetReady["accountAbstraction"] = null;
  if (process.env.ORION_DEVNET_ERC4337 === "1") {
    // Deployed like the markets, one block per transaction, before the first interval block.
    await chain.devnet.setAutomine(true);
    accountAbstraction = await deployDevnetAccountAbstraction(chain.devnet.provider, {
      deployer: devAccounts(1)[0]!.address,
      owner: chain.executorAccount.address,
      treasury: chain.markets.executor.treasury,
    });
    await chain.devnet.setAutomine(false);
  }
  const stopTraders = chain.startTraders((err) => process.stderr.write(`devnet traders: ${String(err)}\n`));
  process.on("message", (raw: unknown) => {
    const cmd: DevnetCommand = commandSchema.parse(raw);
    if (cmd.type === "mine") {
      void chain.devnet.setBlockInterval(cmd.intervalMs);
      return;
    }
    void (async () => {
      await stopTraders();
      await chain.close();
      process.exit(0);
    })();
  });
  send({
    type: "ready",
    url: chain.devnet.url ?? "",
    markets: chain.markets,
    executor: {
      address: chain.executorAccount.address,
      // Only a live session receives the executor's key; a sim session never holds one.
      privateKey: withKey ? chain.executorAccount.privateKey : null,
    },
    accountAbstraction,
  });
} catch (err) {
  send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
