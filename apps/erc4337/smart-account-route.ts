/**
 * The ERC-4337 route: the executor's calls wrapped in user operations of a SimpleAccount (v0.8), gas sponsored by
 * SponsorPaymaster, submitted to a bundler. Preparation and sending are separate steps so the caller can make the
 * trade row (with its user-operation hash) durable in between, as it does for a transaction hash on the EOA route.
 */
import { createClient, createPublicClient, defineChain, http, type Hex, type LocalAccount } from "viem";
import {
  createBundlerClient,
  createPaymasterClient,
  formatUserOperationRequest,
  getUserOperationHash,
  UserOperationReceiptNotFoundError,
  type UserOperation,
} from "viem/account-abstraction";
import { toSimpleSmartAccount } from "permissionless/accounts";
import type { UserOperationGas } from "../executor/index.ts";
import { sponsorPaymaster } from "./sponsor.ts";

/** Margin over the bundler's call-gas estimate, in basis points (as the EOA route adds to eth_estimateGas). */
export const CALL_GAS_MARGIN_BPS = 2_000n;

export interface SmartAccountRouteOptions {
  rpcUrl: string;
  bundlerUrl: string;
  chainId: number;
  entryPoint: Hex;
  accountFactory: Hex;
  /** Signs the user operations: the account's owner key (live mode only, like the EOA route's key). */
  owner: LocalAccount;
  /**
   * Who pays the gas: the platform's SponsorPaymaster signed here with the sponsor's key, or an ERC-7677 paymaster
   * service by URL (a hosted one on a public chain, apps/erc4337's paymaster service locally).
   */
  sponsorship: { paymaster: Hex; sponsor: LocalAccount } | { paymasterUrl: string };
  /** How long a bundler call may take before the route counts the bundler as down. */
  bundlerTimeoutMs?: number;
}

export interface PreparedOperation {
  operation: UserOperation<"0.8">;
  userOpHash: Hex;
  /** Every gas limit of the operation (the paymaster's included) times maxFeePerGas: the most the sponsor can pay. */
  maxGasCostWei: bigint;
  /** The gas it carries: the bundler's estimate with the call-gas margin, or as given to prepare(). */
  gas: UserOperationGas;
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
  /**
   * Gas estimation by the bundler (which simulates the whole operation and fails if it reverts), sponsorship, and the
   * owner's signature. `nonceKey` picks a fresh EntryPoint nonce key, whose first operation is sequence 0; without it
   * the account's next sequential nonce (key 0) is read from the EntryPoint. With `gas` (an earlier estimate the
   * caller re-checked), no estimation: the operation carries that gas.
   */
  prepare(call: { to: string; data: string }, nonceKey?: bigint, gas?: UserOperationGas): Promise<PreparedOperation>;
  /**
   * The bundler's gas estimation (eth_estimateUserOperationGas) of the operation `prepare(call, nonceKey)` makes: the
   * bundler simulates its validation, the paymaster's (with stub data) and the call, and answers the gas each needs
   * or an error (AA.. codes, the call's revert). Nothing is signed or sponsored.
   */
  estimate(call: { to: string; data: string }, nonceKey: bigint): Promise<UserOperationGas>;
  send(prepared: PreparedOperation): Promise<Hex>;
  /** The outcome once included, null while the bundler does not know it as included. */
  outcome(userOpHash: Hex): Promise<OperationOutcome | null>;
  /**
   * Deploys the account with a first, empty operation unless it has code already, and waits for its inclusion: an
   * operation that deploys the account cannot run beside others of the same account, so trades start after this.
   */
  deploy(timeoutMs?: number): Promise<void>;
  /** Whether the bundler still holds the operation to include it; false when the bundler does not answer. */
  holds(userOpHash: string): Promise<boolean>;
}

function hex(value: string, what: string): Hex {
  if (!/^0x[0-9a-fA-F]*$/.test(value)) throw new Error(`${what} is not hex: ${value.slice(0, 20)}`);
  return value as Hex;
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
  const timeout = o.bundlerTimeoutMs ?? 10_000;
  const s = o.sponsorship;
  const paymaster =
    "paymasterUrl" in s
      ? // The paymaster service counts as part of the bundler path: the same bound, no retries.
        createPaymasterClient({ transport: http(s.paymasterUrl, { timeout, retryCount: 0 }) })
      : sponsorPaymaster({
          paymaster: s.paymaster,
          sponsor: s.sponsor,
          // The sponsorship's window is checked against block.timestamp, which on a devnet can run ahead of this
          // clock.
          now: async () => Number((await client.getBlock({ blockTag: "latest" })).timestamp) * 1000,
        });
  const bundler = createBundlerClient({
    client,
    account,
    chain,
    transport: http(o.bundlerUrl, { timeout, retryCount: 0 }),
    paymaster,
  });
  // For the bundler's own methods, which viem's typed requests do not list.
  const bundlerRpc = createClient({
    transport: http(o.bundlerUrl, { timeout, retryCount: 0 }),
  });
  const requestOf = (call: { to: string; data: string }, nonceKey?: bigint) => ({
    account,
    calls: [{ to: hex(call.to, "call.to"), data: hex(call.data, "call.data") }],
    // A fresh key's first operation is sequence 0 (EntryPoint nonces are key << 64 | sequence): no read needed.
    ...(nonceKey === undefined ? {} : { nonce: nonceKey << 64n }),
  });
  const route: SmartAccountRoute = {
    address: account.address,
    async prepare(call, nonceKey, known) {
      const request = requestOf(call, nonceKey);
      let gas: UserOperationGas;
      let fees: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint } = {};
      if (known) {
        gas = known;
      } else {
        const estimated = await bundler.prepareUserOperation(request);
        // The estimate is the least call gas the simulation needed; the executor's nested calls (flash swap,
        // callback, transfers) keep 1/64 of the gas at each level, so the estimate alone can starve the last
        // transfer. Sponsored again over the final limits: the sponsorship signs every gas field.
        gas = {
          callGasLimit: (estimated.callGasLimit * (10_000n + CALL_GAS_MARGIN_BPS)) / 10_000n,
          verificationGasLimit: estimated.verificationGasLimit,
          preVerificationGas: estimated.preVerificationGas,
        };
        fees = { maxFeePerGas: estimated.maxFeePerGas, maxPriorityFeePerGas: estimated.maxPriorityFeePerGas };
      }
      // Every gas field given: viem estimates nothing, only the fees when they are not given. Without an estimate the
      // bundler is not asked anything until the operation is sent, so it is asked whether it answers at all meanwhile:
      // one that is down or slower than its bound is found here, before the trade is journaled (it may go the EOA way).
      const [unsigned] = await Promise.all([
        bundler.prepareUserOperation({ ...request, ...gas, ...fees }),
        known ? bundler.request({ method: "eth_supportedEntryPoints" }) : null,
      ]);
      const operation = { ...unsigned, signature: await account.signUserOperation(unsigned) } as UserOperation<"0.8">;
      const userOpHash = getUserOperationHash({
        userOperation: operation,
        entryPointAddress: o.entryPoint,
        entryPointVersion: "0.8",
        chainId: o.chainId,
      });
      const limits =
        operation.callGasLimit +
        operation.verificationGasLimit +
        operation.preVerificationGas +
        (operation.paymasterVerificationGasLimit ?? 0n) +
        (operation.paymasterPostOpGasLimit ?? 0n);
      return { operation, userOpHash, maxGasCostWei: limits * operation.maxFeePerGas, gas };
    },
    async estimate(call, nonceKey) {
      const request = requestOf(call, nonceKey);
      // The paymaster's stub data, given as it is: viem would otherwise also ask for the sponsorship itself, which
      // only final gas fields can have.
      const stub = await paymaster.getPaymasterStubData({
        sender: account.address,
        nonce: nonceKey << 64n,
        callData: await account.encodeCalls(request.calls),
        chainId: o.chainId,
        entryPointAddress: o.entryPoint,
      });
      const estimated = await bundler.estimateUserOperationGas({ ...request, ...stub });
      return {
        callGasLimit: estimated.callGasLimit,
        verificationGasLimit: estimated.verificationGasLimit,
        preVerificationGas: estimated.preVerificationGas,
      };
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
    async deploy(timeoutMs = 60_000) {
      if (await account.isDeployed()) return;
      const first = await route.prepare({ to: account.address, data: "0x" });
      await route.send(first);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const outcome = await route.outcome(first.userOpHash);
        if (outcome?.success) return;
        if (outcome) throw new Error(`smart account ${account.address}: its deploying operation failed`);
        if (Date.now() > deadline) throw new Error(`smart account ${account.address} not deployed in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async holds(userOpHash) {
      // Pimlico's status method (alto and Pimlico's hosted bundlers): eth_getUserOperationByHash knows only
      // included operations.
      try {
        const request = bundlerRpc.request as (a: { method: string; params: unknown[] }) => Promise<unknown>;
        const { status } = (await request({
          method: "pimlico_getUserOperationStatus",
          params: [hex(userOpHash, "hash")],
        })) as { status: string };
        return ["not_submitted", "submitted", "queued"].includes(status);
      } catch {
        return false;
      }
    },
  };
  return route;
}
