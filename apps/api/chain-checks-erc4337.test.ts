/**
 * The live pre-flight of a run on the ERC-4337 route checks that route's prerequisites beside the EOA's: the
 * EntryPoint deployed, the smart account operating its executor, a real alto answering for that EntryPoint, and the
 * paymaster service sponsoring the account from a paymaster with a deposit. Each missing piece fails the check.
 */
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccounts, type Devnet } from "../chain/index.ts";
import {
  deploySmartAccountExecutor,
  startPaymasterService,
  type AccountAbstractionDeployment,
  type BundlerHandle,
  type PaymasterService,
  type SmartAccountExecutor,
} from "../erc4337/index.ts";
import { startLocalAccountAbstraction, type LocalAccountAbstraction } from "../erc4337/testing/local-chain.ts";
import { createChainChecks, type UserOperationPrerequisites } from "./chain-checks.ts";
import { chainChecksFromEnv } from "./chain-env.ts";
import { parseApiEnv } from "./config.ts";

/** Not the smart account: the EOA route's account, and a sender no paymaster service here sponsors by default. */
const eoa = devAccounts(5)[4] as { address: string; privateKey: string };
/** The sponsor's key signs the paymaster service's sponsorships; the owner's SimpleAccount is the smart account. */
const [sponsor, owner] = [privateKeyToAccount(generatePrivateKey()), privateKeyToAccount(generatePrivateKey())];

let local: LocalAccountAbstraction;
let devnet: Devnet;
let bundler: BundlerHandle;
/** The sponsoring paymaster service, and one that sponsors another account only. */
let paymaster: PaymasterService;
let stranger: PaymasterService;
let aa: AccountAbstractionDeployment;
let smart: SmartAccountExecutor;

beforeAll(async () => {
  local = await startLocalAccountAbstraction(sponsor);
  ({ devnet, aa, bundler } = local);
  smart = await deploySmartAccountExecutor(devnet.provider, {
    from: local.deployer.address,
    owner: owner.address,
    treasury: local.deployer.address,
    accountFactory: aa.accountFactory,
  });
  const service = (senders: string[]) =>
    startPaymasterService({
      paymaster: aa.paymaster as Hex,
      sponsor,
      entryPoint: aa.entryPoint as Hex,
      chainId: devnet.chainId,
      senders,
    });
  paymaster = await service([smart.account]);
  stranger = await service([eoa.address]);
}, 300_000);

afterAll(async () => {
  await paymaster?.close();
  await stranger?.close();
  await local?.close();
});

/** The EOA route's part of the chain checks, the same for every case here. */
const eoaOptions = () => ({
  rpc: devnet.provider,
  chainId: devnet.chainId,
  maxHeadAgeSeconds: 60,
  executor: { address: smart.executor, operator: smart.account },
  signer: { address: async () => eoa.address, minBalanceWei: 0n },
});

function erc4337(
  over: Partial<UserOperationPrerequisites> = {},
  urls: { bundlerUrl?: string; paymasterUrl?: string } = {},
) {
  const checks = createChainChecks({
    ...eoaOptions(),
    userOperations: {
      entryPoint: aa.entryPoint,
      account: smart.account,
      contract: smart.executor,
      endpoints: async () => ({
        bundlerUrl: urls.bundlerUrl ?? bundler.url,
        paymasterUrl: urls.paymasterUrl ?? paymaster.url,
      }),
      ...over,
    },
  });
  if (!checks.erc4337) throw new Error("no erc4337 check for an erc4337 run");
  return checks.erc4337();
}

describe("the live pre-flight on the ERC-4337 route", () => {
  it("passes with the EntryPoint, the smart account's executor, alto and a sponsoring paymaster with a deposit", async () => {
    const r = await erc4337();
    expect(r.ok).toBe(true);
    expect(r.detail).toContain(`smart account ${smart.account}`);
    expect(r.detail).toContain(
      `paymaster ${aa.paymaster.toLowerCase()} sponsors it (deposit 100000000000000000000 wei)`,
    );
  });

  it("fails without an EntryPoint, for an executor the smart account does not operate, and names which", async () => {
    expect(await erc4337({ entryPoint: eoa.address })).toEqual({
      ok: false,
      detail: `no EntryPoint at ${eoa.address}`,
    });
    const r = await erc4337({ account: eoa.address });
    expect(r).toEqual({
      ok: false,
      detail: `smart account's executor: operated by ${smart.account}, expected ${eoa.address.toLowerCase()}`,
    });
  });

  it("fails when the bundler is down or the paymaster service does not sponsor the account, without the URLs", async () => {
    const down = "http://127.0.0.1:9/rpc?apikey=secret";
    await expect(erc4337({}, { bundlerUrl: down })).rejects.toThrow(/^the bundler is unreachable/);
    await expect(erc4337({}, { bundlerUrl: down })).rejects.not.toThrow(/secret/);
    await expect(erc4337({}, { paymasterUrl: stranger.url })).rejects.toThrow(
      `the paymaster service refused pm_getPaymasterStubData: sender ${smart.account} is not sponsored`,
    );
  });

  it("is absent on the EOA route, and on erc4337 from the API's env fails naming what is not set", async () => {
    expect(createChainChecks(eoaOptions()).erc4337).toBeUndefined();
    const base = {
      DATABASE_URL: "postgres://u@127.0.0.1/db",
      RPC_URLS: devnet.url!,
      ORION_CHAIN_ID: String(devnet.chainId),
      ORION_EXECUTION: "erc4337",
      ORION_ENTRY_POINT: aa.entryPoint,
      ORION_SMART_ACCOUNT: smart.account,
      ORION_SMART_ACCOUNT_CONTRACT: smart.executor,
    };
    const missing = chainChecksFromEnv(parseApiEnv(base));
    const full = chainChecksFromEnv(
      parseApiEnv({ ...base, ORION_BUNDLER_URL: bundler.url, ORION_PAYMASTER_URL: paymaster.url }),
    );
    try {
      expect(await missing?.checks.erc4337?.()).toEqual({
        ok: false,
        detail: expect.stringContaining("ORION_BUNDLER_URL and ORION_PAYMASTER_URL"),
      });
      expect(await full?.checks.erc4337?.()).toMatchObject({ ok: true });
    } finally {
      await missing?.close();
      await full?.close();
    }
  });
});
