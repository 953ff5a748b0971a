/**
 * The ERC-4337 pieces on a fresh devnet served over HTTP, as the route's tests need them: the EntryPoint, the
 * account factory and the SponsorPaymaster (deployed by devnet account 0, owned by account 2, sponsoring with the
 * caller's key), and a real alto bundling with accounts 1 and 3.
 */
import type { LocalAccount } from "viem";
import { devAccounts, startDevnet, type DevAccount, type Devnet } from "../../chain/index.ts";
import { startBundler, type BundlerHandle } from "../bundler-process.ts";
import { deployAccountAbstraction, type AccountAbstractionDeployment } from "../infrastructure.ts";

export interface LocalAccountAbstraction {
  devnet: Devnet;
  aa: AccountAbstractionDeployment;
  bundler: BundlerHandle;
  /** The account that deployed everything (devnet account 0): funded, free for a test's own deployments. */
  deployer: DevAccount;
  close(): Promise<void>;
}

export async function startLocalAccountAbstraction(sponsor: LocalAccount): Promise<LocalAccountAbstraction> {
  const [deployer, bundlerAccount, paymasterOwner, utility] = devAccounts(4) as [
    DevAccount,
    DevAccount,
    DevAccount,
    DevAccount,
  ];
  const devnet = await startDevnet({ listen: { port: 0 } });
  try {
    const aa = await deployAccountAbstraction(devnet.provider, {
      from: deployer.address,
      sponsorSigner: sponsor.address,
      paymasterOwner: paymasterOwner.address,
    });
    // Bundles are mined as they arrive, as a fast chain would.
    const bundler = await startBundler({
      rpcUrl: devnet.url!,
      entryPoint: aa.entryPoint,
      executorPrivateKeys: [bundlerAccount.privateKey],
      utilityPrivateKey: utility.privateKey,
    });
    return {
      devnet,
      aa,
      bundler,
      deployer,
      async close() {
        await bundler.close();
        await devnet.close();
      },
    };
  } catch (err) {
    await devnet.close();
    throw err;
  }
}
