import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, parseAbi, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Devnet } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { ENTRY_POINT_V08, type AccountAbstractionDeployment } from "./infrastructure.ts";
import type { BundlerHandle } from "./bundler-process.ts";
import { createSmartAccountRoute, type SmartAccountRoute } from "./smart-account-route.ts";
import { sponsorshipHash } from "./sponsor.ts";
import { startLocalAccountAbstraction, type LocalAccountAbstraction } from "./testing/local-chain.ts";

const owner = privateKeyToAccount(generatePrivateKey());
const sponsor = privateKeyToAccount(generatePrivateKey());

let local: LocalAccountAbstraction;
let devnet: Devnet;
let aa: AccountAbstractionDeployment;
let bundler: BundlerHandle;
let route: SmartAccountRoute;
let executor: Hex;

const rpc = <T>(method: string, params: unknown[] = []) => devnet.provider.request({ method, params }) as Promise<T>;
const executorAbi = parseAbi(["function setTreasury(address)", "function treasury() view returns (address)"]);

async function paymasterDeposit(): Promise<bigint> {
  const data = new Interface(["function getDeposit() view returns (uint256)"]).encodeFunctionData("getDeposit");
  return BigInt(await rpc<string>("eth_call", [{ to: aa.paymaster, data }, "latest"]));
}

async function treasury(): Promise<string> {
  const data = encodeFunctionData({ abi: executorAbi, functionName: "treasury" });
  const out = await rpc<string>("eth_call", [{ to: executor, data }, "latest"]);
  return `0x${out.slice(26)}`;
}

beforeAll(async () => {
  local = await startLocalAccountAbstraction(sponsor);
  ({ devnet, aa, bundler } = local);
  route = await createSmartAccountRoute({
    rpcUrl: devnet.url!,
    bundlerUrl: bundler.url,
    chainId: devnet.chainId,
    entryPoint: aa.entryPoint as Hex,
    accountFactory: aa.accountFactory as Hex,
    owner,
    sponsorship: { paymaster: aa.paymaster as Hex, sponsor },
  });
  const { ArbExecutor } = await loadArtifacts();
  const init =
    ArbExecutor.bytecode +
    new Interface(ArbExecutor.abi).encodeDeploy([route.address, route.address, route.address]).slice(2);
  const hash = await rpc<string>("eth_sendTransaction", [
    { from: local.deployer.address, data: init, gas: "0x989680" },
  ]);
  const receipt = await rpc<{ contractAddress: Hex }>("eth_getTransactionReceipt", [hash]);
  executor = receipt.contractAddress;
}, 300_000);

afterAll(async () => {
  await local?.close();
});

async function included(userOpHash: Hex) {
  for (let i = 0; i < 600; i++) {
    const outcome = await route.outcome(userOpHash);
    if (outcome) return outcome;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`user operation ${userOpHash} was not included within 60 s`);
}

describe("ERC-4337 on the local chain", () => {
  it("puts EntryPoint v0.8 at its canonical address through the CREATE2 deployer", async () => {
    expect(aa.entryPoint).toBe(ENTRY_POINT_V08);
    expect((await rpc<string>("eth_getCode", [ENTRY_POINT_V08, "latest"])).length).toBeGreaterThan(1000);
  });

  it("the bundler listens on the loopback address only", () => {
    expect(new URL(bundler.url).hostname).toBe("127.0.0.1");
  });

  it("a sponsored operation of an account with no ether runs an owner-only call of the executor contract", async () => {
    const newTreasury = privateKeyToAccount(generatePrivateKey()).address;
    const depositBefore = await paymasterDeposit();
    const prepared = await route.prepare({
      to: executor,
      data: encodeFunctionData({ abi: executorAbi, functionName: "setTreasury", args: [newTreasury] }),
    });
    expect(await route.send(prepared)).toBe(prepared.userOpHash);
    const outcome = await included(prepared.userOpHash);
    expect(outcome.success).toBe(true);
    expect((await treasury()).toLowerCase()).toBe(newTreasury.toLowerCase());
    expect(BigInt(await rpc<string>("eth_getBalance", [route.address, "latest"]))).toBe(0n);
    const depositAfter = await paymasterDeposit();
    // The paymaster paid exactly what the EntryPoint reports as the operation's cost.
    expect(depositBefore - depositAfter).toBe(outcome.actualGasCost);
  });

  it("the off-chain sponsorship digest equals the paymaster's getHash", async () => {
    const data0 = encodeFunctionData({ abi: executorAbi, functionName: "setTreasury", args: [route.address] });
    const prepared = await route.prepare({ to: executor, data: data0 });
    const op = prepared.operation;
    const data = op.paymasterData!;
    const validUntil = Number(BigInt(`0x${data.slice(2, 14)}`));
    const terms = { paymaster: aa.paymaster as Hex, chainId: devnet.chainId, validUntil, validAfter: 0 };
    const off = sponsorshipHash({ ...op, paymaster: aa.paymaster as Hex }, terms);
    const { SponsorPaymaster } = await loadArtifacts();
    const pm = new Interface(SponsorPaymaster.abi);
    const packed = (await import("viem/account-abstraction")).toPackedUserOperation(op);
    const on = await rpc<string>("eth_call", [
      { to: aa.paymaster, data: pm.encodeFunctionData("getHash", [packed, validUntil, 0]) },
      "latest",
    ]);
    expect(off).toBe(on);
  });

  it("refuses to pay for an operation the platform's sponsor did not sign", async () => {
    const forger = await createSmartAccountRoute({
      rpcUrl: devnet.url!,
      bundlerUrl: bundler.url,
      chainId: devnet.chainId,
      entryPoint: aa.entryPoint as Hex,
      accountFactory: aa.accountFactory as Hex,
      owner: privateKeyToAccount(generatePrivateKey()),
      sponsorship: { paymaster: aa.paymaster as Hex, sponsor: privateKeyToAccount(generatePrivateKey()) },
    });
    // A harmless call (the account pays itself nothing): only the sponsorship is wrong.
    const prepared = await forger.prepare({ to: forger.address, data: "0x" });
    await expect(forger.send(prepared)).rejects.toThrow(/AA34|signature/i);
    expect(await forger.outcome(prepared.userOpHash)).toBeNull();
  });
});
