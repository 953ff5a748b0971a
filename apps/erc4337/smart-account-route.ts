/**
 * The ERC-4337 route: the executor's calls wrapped in user operations of a SimpleAccount (v0.8), gas sponsored by
 * SponsorPaymaster, submitted to a bundler. Preparation and sending are separate steps so the caller can make the
 * trade row (with its user-operation hash) durable in between, as it does for a transaction hash on the EOA route.
 */
import { createPublicClient, defineChain, http, type Hex, type LocalAccount } from "viem";
import {
  createBundlerClient,
  formatUserOperationRequest,
  getUserOperationHash,
  UserOperationReceiptNotFoundError,
  type UserOperation,
} from "viem/account-abstraction";
import { toSimpleSmartAccount } from "permissionless/accounts";
import { sponsorPaymaster } from "./sponsor.ts";

export interface SmartAccountRouteOptions {
  rpcUrl: string;
  bundlerUrl: string;
  chainId: number;
  entryPoint: Hex;
  accountFactory: Hex;
  paymaster: Hex;
  /** Signs the user operations: the account's owner key (live mode only, like the EOA route's key). */
  owner: LocalAccount;
  /** Signs sponsorships for the paymaster. */
  sponsor: LocalAccount;
  /** How long a bundler call may take before the route counts the bundler as down. */
  bundlerTimeoutMs?: number;
}

export interface PreparedOperation {
  operation: UserOperation<"0.8">;
  userOpHash: Hex;
}

export interface OperationOutcome {
  success: boolean;
  txHash: Hex;
  blockNumber: bigint;
  /** What the EntryPoint charged the paymaster: the trade's gas cost on this route. */
  actualGasCost: bigint;
  actualGasUsed: bigint;
}

export interface SmartAccountRoute {
  /** The smart account's address (counterfactual until its first operation deploys it). */
  readonly address: Hex;
  prepare(call: { to: Hex; data: Hex }): Promise<PreparedOperation>;
  send(prepared: PreparedOperation): Promise<Hex>;
  /** The outcome once included, null while the bundler does not know it as included. */
  outcome(userOpHash: Hex): Promise<OperationOutcome | null>;
}

export async function createSmartAccountRoute(o: SmartAccountRouteOptions): Promise<SmartAccountRoute> {
  const chain = defineChain({
    id: o.chainId,
    name: `chain-${o.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [o.rpcUrl] } },
  });
  const client = createPublicClient({ chain, transport: http(o.rpcUrl) });
  const account = await toSimpleSmartAccount({
    client,
    owner: o.owner,
    entryPoint: { address: o.entryPoint, version: "0.8" },
    factoryAddress: o.accountFactory,
  });
  const bundler = createBundlerClient({
    client,
    account,
    chain,
    transport: http(o.bundlerUrl, { timeout: o.bundlerTimeoutMs ?? 10_000, retryCount: 0 }),
    paymaster: sponsorPaymaster({ paymaster: o.paymaster, sponsor: o.sponsor }),
  });
  return {
    address: account.address,
    async prepare(call) {
      const unsigned = await bundler.prepareUserOperation({ account, calls: [{ to: call.to, data: call.data }] });
      const operation = { ...unsigned, signature: await account.signUserOperation(unsigned) } as UserOperation<"0.8">;
      const userOpHash = getUserOperationHash({
        userOperation: operation,
        entryPointAddress: o.entryPoint,
        entryPointVersion: "0.8",
        chainId: o.chainId,
      });
      return { operation, userOpHash };
    },
    async send({ operation }) {
      // Sent as prepared: viem's sendUserOperation would prepare again and change the sponsorship, hence the hash.
      return (await bundler.request({
        method: "eth_sendUserOperation",
        params: [formatUserOperationRequest(operation), o.entryPoint],
      })) as Hex;
    },
    async outcome(userOpHash) {
      try {
        const r = await bundler.getUserOperationReceipt({ hash: userOpHash });
        return {
          success: r.success,
          txHash: r.receipt.transactionHash,
          blockNumber: r.receipt.blockNumber,
          actualGasCost: r.actualGasCost,
          actualGasUsed: r.actualGasUsed,
        };
      } catch (err) {
        if (err instanceof UserOperationReceiptNotFoundError) return null;
        throw err;
      }
    },
  };
}
