/**
 * The ERC-4337 route on `orion dev`'s devnet. The devnet process deploys the contracts (the canonical EntryPoint and
 * account factory, our paymaster with its deposit, and an ArbExecutor owned by the executor key's smart account);
 * a live session starts alto beside it and signs with the executor key (the account's owner) and the sponsor's key.
 * On a public chain the EntryPoint and factory already exist and the chain profile names a hosted bundler instead.
 */
import { privateKeyToAccount } from "viem/accounts";
import { createPublicClient, http, type Hex } from "viem";
import { devAccounts, type DevAccount, type Eip1193 } from "../chain/index.ts";
import {
  createSmartAccountRoute,
  deployAccountAbstraction,
  deploySmartAccountExecutor,
  startBundler,
  startPaymasterService,
  type BundlerHandle,
  type PaymasterService,
  type SmartAccountRoute,
} from "../erc4337/index.ts";

/** Fixed devnet accounts beside the markets' roles (0-2, 10-19): who sponsors, who bundles, who owns the deposit. */
const ROLES = { sponsor: 3, bundlers: [4, 7, 8, 9], bundlerUtility: 5, paymasterOwner: 6 } as const;

function role(i: number): DevAccount {
  const a = devAccounts(10)[i];
  if (!a) throw new Error(`devnet account ${i} missing`);
  return a;
}

/** What the devnet deployed for the route: addresses only, no key. */
export interface DevnetAccountAbstraction {
  entryPoint: string;
  accountFactory: string;
  paymaster: string;
  /** The smart account of the executor key (counterfactual until its first operation). */
  account: string;
  /** The ArbExecutor that account owns. */
  executor: string;
}

/** In the devnet process, while it still mines on every transaction. */
export async function deployDevnetAccountAbstraction(
  chain: Eip1193,
  o: { deployer: string; owner: string; treasury: string },
): Promise<DevnetAccountAbstraction> {
  const aa = await deployAccountAbstraction(chain, {
    from: o.deployer,
    sponsorSigner: role(ROLES.sponsor).address,
    paymasterOwner: role(ROLES.paymasterOwner).address,
  });
  const { account, executor } = await deploySmartAccountExecutor(chain, {
    from: o.deployer,
    owner: o.owner,
    treasury: o.treasury,
    accountFactory: aa.accountFactory,
  });
  return { entryPoint: aa.entryPoint, accountFactory: aa.accountFactory, paymaster: aa.paymaster, account, executor };
}

/** alto and the sponsor's paymaster service on 127.0.0.1, for the devnet's contracts. */
export interface DevnetEndpoints {
  bundler: BundlerHandle;
  /** The sponsor as an ERC-7677 service: routes get their paymaster data by its URL. */
  paymaster: PaymasterService;
  /** Stops the bundler and the paymaster service. */
  close(): Promise<void>;
}

export interface DevnetBundler extends DevnetEndpoints {
  /** The executor's UserOperationSubmitter: the smart account and its bundler. */
  submitter: SmartAccountRoute;
}

/**
 * alto as its own process against the devnet, and the sponsor's paymaster service beside it: the sponsor's key stays
 * in this process, and it sponsors the executor key's smart account only. Both are reached by URL, as a hosted bundler
 * and paymaster would be. The chain must mine while alto starts (it deploys its simulation contracts and waits).
 */
export async function startDevnetEndpoints(o: {
  rpcUrl: string;
  chainId: number;
  aa: DevnetAccountAbstraction;
  blockTimeMs: number;
  /** Tests only: alto's debug methods (manual bundling). */
  debugEndpoints?: boolean;
}): Promise<DevnetEndpoints> {
  const bundler = await startBundler({
    rpcUrl: o.rpcUrl,
    entryPoint: o.aa.entryPoint,
    executorPrivateKeys: ROLES.bundlers.map((i) => role(i).privateKey),
    utilityPrivateKey: role(ROLES.bundlerUtility).privateKey,
    blockTimeMs: o.blockTimeMs,
    ...(o.debugEndpoints ? { debugEndpoints: true } : {}),
  });
  try {
    const chain = createPublicClient({ transport: http(o.rpcUrl) });
    const paymaster = await startPaymasterService({
      paymaster: o.aa.paymaster as Hex,
      sponsor: privateKeyToAccount(role(ROLES.sponsor).privateKey as Hex),
      entryPoint: o.aa.entryPoint as Hex,
      chainId: o.chainId,
      senders: [o.aa.account],
      // The sponsorship's window is checked against block.timestamp, which on a devnet can run ahead of this clock.
      now: async () => Number((await chain.getBlock({ blockTag: "latest" })).timestamp) * 1000,
    });
    return {
      bundler,
      paymaster,
      close: async () => {
        await paymaster.close();
        await bundler.close();
      },
    };
  } catch (err) {
    await bundler.close();
    throw err;
  }
}

/**
 * Live sessions only: the devnet's endpoints, the smart account deployed, and the route that prepares, sponsors, signs
 * and sends through them. `timeoutMs` bounds every bundler and paymaster call: slower counts as unavailable.
 */
export async function startDevnetBundler(o: {
  rpcUrl: string;
  chainId: number;
  aa: DevnetAccountAbstraction;
  ownerKey: string;
  blockTimeMs: number;
  timeoutMs: number;
  debugEndpoints?: boolean;
}): Promise<DevnetBundler> {
  const endpoints = await startDevnetEndpoints(o);
  try {
    const route = await createSmartAccountRoute({
      rpcUrl: o.rpcUrl,
      bundlerUrl: endpoints.bundler.url,
      chainId: o.chainId,
      entryPoint: o.aa.entryPoint as Hex,
      accountFactory: o.aa.accountFactory as Hex,
      owner: privateKeyToAccount(o.ownerKey as Hex),
      sponsorship: { paymasterUrl: endpoints.paymaster.url },
      bundlerTimeoutMs: o.timeoutMs,
    });
    if (route.address.toLowerCase() !== o.aa.account) {
      throw new Error(`the executor key's smart account is ${route.address}, not ${o.aa.account} as deployed`);
    }
    await route.deploy();
    return { ...endpoints, submitter: route };
  } catch (err) {
    await endpoints.close();
    throw err;
  }
}
