/**
 * The Cloud KMS key as the smart account's owner: a SimpleAccount v0.8 whose owner is the HSM key (the local KMS
 * gRPC server the KmsSigner tests use) runs a user operation signed through KMS, checked by the EntryPoint itself on
 * the devnet; an operation signed by any other key is refused (AA24) and runs nothing.
 */
import { KeyManagementServiceClient } from "@google-cloud/kms";
import * as grpc from "@grpc/grpc-js";
import { Wallet } from "ethers";
import {
  createPublicClient,
  custom,
  decodeErrorResult,
  decodeEventLog,
  defineChain,
  encodeFunctionData,
  recoverAddress,
  type Hex,
  type LocalAccount,
} from "viem";
import {
  entryPoint08Abi,
  getUserOperationHash,
  toPackedUserOperation,
  type UserOperation,
} from "viem/account-abstraction";
import { toSimpleSmartAccount } from "permissionless/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccounts, startDevnet, type DevAccount, type Devnet } from "../chain/devnet.ts";
import { KmsSigner } from "../executor/kms-signer.ts";
import { startKmsServer, type KmsServer } from "../executor/testing/kms-server.ts";
import { deployAccountAbstraction, ENTRY_POINT_V08, SIMPLE_ACCOUNT_FACTORY_V08 } from "./infrastructure.ts";
import { digestOwner, keyOwner } from "./owner.ts";

const KEY_VERSION =
  "projects/orion-test/locations/us-east4/keyRings/orion-test-us-east4/cryptoKeys/executor-signer/cryptoKeyVersions/1";
const hsmKey = Wallet.createRandom();
const [deployer, paymasterOwner, bundler] = devAccounts(3) as [DevAccount, DevAccount, DevAccount];

let devnet: Devnet;
let kms: KmsServer;
let client: KeyManagementServiceClient;
let signer: KmsSigner;

beforeAll(async () => {
  [devnet, kms] = await Promise.all([
    startDevnet(),
    startKmsServer({ privateKey: hsmKey.privateKey, keyVersion: KEY_VERSION }),
  ]);
  client = new KeyManagementServiceClient({
    apiEndpoint: kms.host,
    port: kms.port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: "orion-test",
  });
  signer = await KmsSigner.connect({ keyVersion: KEY_VERSION, client });
  await deployAccountAbstraction(devnet.provider, {
    from: deployer.address,
    sponsorSigner: paymasterOwner.address,
    paymasterOwner: paymasterOwner.address,
  });
}, 120_000);
afterAll(async () => {
  await client?.close();
  await Promise.all([kms?.stop(), devnet?.close()]);
});

const rpc = (method: string, params: unknown[]) => devnet.provider.request({ method, params });

/** A SimpleAccount of `owner` whose first operation deploys it and pays `recipient` 7 wei from its own ether. */
async function firstOperation(owner: LocalAccount, recipient: string) {
  const chain = defineChain({
    id: devnet.chainId,
    name: "devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  const publicClient = createPublicClient({ chain, transport: custom(devnet.provider) });
  const account = await toSimpleSmartAccount({
    client: publicClient,
    owner,
    entryPoint: { address: ENTRY_POINT_V08 as Hex, version: "0.8" },
    factoryAddress: SIMPLE_ACCOUNT_FACTORY_V08 as Hex,
  });
  // No paymaster here: the account prefunds its own gas, so only the owner's signature is under test.
  await rpc("eth_sendTransaction", [{ from: deployer.address, to: account.address, value: "0xde0b6b3a7640000" }]);
  const { factory, factoryData } = await account.getFactoryArgs();
  const unsigned: UserOperation<"0.8"> = {
    sender: account.address,
    nonce: 0n,
    factory,
    factoryData,
    callData: await account.encodeCalls([{ to: recipient as Hex, value: 7n, data: "0x" }]),
    callGasLimit: 200_000n,
    verificationGasLimit: 1_000_000n,
    preVerificationGas: 100_000n,
    maxFeePerGas: 20_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    signature: "0x",
  };
  const operation = { ...unsigned, signature: await account.signUserOperation(unsigned) };
  const userOpHash = getUserOperationHash({
    userOperation: operation,
    entryPointAddress: ENTRY_POINT_V08 as Hex,
    entryPointVersion: "0.8",
    chainId: devnet.chainId,
  });
  return { account: account.address, operation, userOpHash };
}

/** handleOps sent by a devnet account acting as the bundler; the receipt, whatever its status. */
async function handleOps(operation: UserOperation<"0.8">) {
  const data = encodeFunctionData({
    abi: entryPoint08Abi,
    functionName: "handleOps",
    args: [[toPackedUserOperation(operation)], bundler.address as Hex],
  });
  const hash = await rpc("eth_sendTransaction", [
    { from: bundler.address, to: ENTRY_POINT_V08, data, gas: "0x2dc6c0" },
  ]);
  return (await rpc("eth_getTransactionReceipt", [hash])) as {
    status: string;
    logs: { address: string; topics: Hex[]; data: Hex }[];
  };
}

describe("the KMS key owns the smart account", () => {
  it("a user operation signed in KMS (the EIP-712 digest, as given) is accepted by the EntryPoint", async () => {
    const recipient = Wallet.createRandom().address;
    const signedBefore = kms.signed;
    const { account, operation, userOpHash } = await firstOperation(digestOwner(signer), recipient);
    // One KMS signature, over the user-operation hash itself (EntryPoint v0.8's is the EIP-712 digest).
    expect(kms.signed - signedBefore).toBe(1);
    expect((await recoverAddress({ hash: userOpHash, signature: operation.signature })).toLowerCase()).toBe(
      signer.address,
    );
    const receipt = await handleOps(operation);
    expect(receipt.status).toBe("0x1");
    const events = receipt.logs.flatMap((l) => {
      if (l.address.toLowerCase() !== ENTRY_POINT_V08) return [];
      try {
        return [decodeEventLog({ abi: entryPoint08Abi, data: l.data, topics: l.topics as [Hex, ...Hex[]] })];
      } catch {
        return [];
      }
    });
    const event = events.find((e) => e.eventName === "UserOperationEvent");
    expect(event?.args).toMatchObject({ userOpHash, sender: account, success: true });
    expect(BigInt((await rpc("eth_getBalance", [recipient, "latest"])) as string)).toBe(7n);
  });

  it("an operation of the KMS key's account signed by another key is refused (AA24) and runs nothing", async () => {
    const recipient = Wallet.createRandom().address;
    const { operation: first } = await firstOperation(digestOwner(signer), recipient);
    // The account exists after the test above: its next operation, signed by a key that is not its owner.
    const next: UserOperation<"0.8"> = { ...first, factory: undefined, factoryData: undefined, nonce: 1n };
    const hash = getUserOperationHash({
      userOperation: next,
      entryPointAddress: ENTRY_POINT_V08 as Hex,
      entryPointVersion: "0.8",
      chainId: devnet.chainId,
    });
    const forged = { ...next, signature: await keyOwner(Wallet.createRandom().privateKey).sign!({ hash }) };
    const data = encodeFunctionData({
      abi: entryPoint08Abi,
      functionName: "handleOps",
      args: [[toPackedUserOperation(forged)], bundler.address as Hex],
    });
    const refusal = await rpc("eth_call", [{ from: bundler.address, to: ENTRY_POINT_V08, data }, "latest"]).then(
      () => null,
      (err: { data?: Hex; message: string }) => err,
    );
    expect(refusal?.data).toBeDefined();
    const failed = decodeErrorResult({ abi: entryPoint08Abi, data: refusal!.data! });
    expect(failed).toMatchObject({ errorName: "FailedOp", args: [0n, "AA24 signature error"] });
    expect(BigInt((await rpc("eth_getBalance", [recipient, "latest"])) as string)).toBe(0n);
  });
});
