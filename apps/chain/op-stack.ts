/**
 * OP-stack chains (Base, OP Mainnet) charge every transaction an L1 data fee on top of its L2 gas: the cost of
 * posting its bytes to L1, priced by the GasPriceOracle predeploy from the L1 fee values the L1Block predeploy holds.
 * A trade that clears its L2 gas can still lose money to it, so the cost model asks the oracle each block.
 */
import { Interface, keccak256, MaxUint256, Transaction, toBeHex, zeroPadValue } from "ethers";
import type { FailoverProvider } from "./rpc.ts";

/** The GasPriceOracle predeploy: getL1Fee(unsigned serialized transaction) is the fee the chain will charge for it. */
export const GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000f";
/** The L1Block predeploy: the L1 base fee, blob base fee and their scalars the oracle prices with. */
export const L1_BLOCK = "0x4200000000000000000000000000000000000015";

const oracle = new Interface(["function getL1Fee(bytes) view returns (uint256)"]);

/** The read that prices a transaction's L1 data fee: the oracle's getL1Fee of its (unsigned, serialized) bytes. */
function l1FeeCall(unsignedTx: string): { method: "eth_call"; params: unknown[] } {
  return {
    method: "eth_call",
    params: [{ to: GAS_PRICE_ORACLE, data: oracle.encodeFunctionData("getL1Fee", [unsignedTx]) }, "latest"],
  };
}

/** The fee, in wei, in the oracle's answer to an l1FeeCall. */
function l1FeeFrom(result: unknown): bigint {
  if (typeof result !== "string") throw new Error("getL1Fee: the node answered a non-string");
  return BigInt(oracle.decodeFunctionResult("getL1Fee", result)[0] as bigint);
}

/**
 * The L1 fee of the executor's transaction by route length, as reads a caller sends itself: the scanner puts them in
 * its block's batch (one request with the logs and the gas price, not one more round trip per route length).
 */
export interface L1FeeEstimator {
  /** The read that prices a route of `hops` pools. */
  call(hops: number): { method: "eth_call"; params: unknown[] };
  /** The fee, in wei, in that read's answer. */
  fee(result: unknown): bigint;
}

/** The L1 fee of a route of `hops` pools, read on its own. */
export async function estimateL1Fee(
  provider: FailoverProvider,
  estimator: L1FeeEstimator,
  hops: number,
): Promise<bigint> {
  const { method, params } = estimator.call(hops);
  return estimator.fee(await provider.send(method, params));
}

/**
 * An estimator of the L1 fee of the executor's transaction for a route of `hops` pools. The fee depends on the
 * transaction's size and how well it compresses, not on which pools it names, so one stand-in per hop count is
 * priced: every word of it nonzero and incompressible (the contract's address too, so a bot that knows no contract,
 * the scanner, prices the same bytes as the executor sends), the gas fields at their widest. It never understates a
 * real trade's bytes.
 */
export function l1FeeEstimator(
  executorAbi: ConstructorParameters<typeof Interface>[0],
  chainId: bigint,
): L1FeeEstimator {
  const iface = new Interface(executorAbi);
  // Hashes: words with no zero bytes to speak of, which compress as badly as real addresses and amounts do.
  const word = (i: number) => BigInt(keccak256(toBeHex(i, 32)));
  const address = (i: number) => `0x${(word(i) >> 96n).toString(16).padStart(40, "0")}`;
  const standIn = (hops: number) =>
    Transaction.from({
      type: 2,
      chainId,
      nonce: 0xffff_ffff,
      to: address(14),
      gasLimit: 0xff_ffff,
      maxFeePerGas: MaxUint256 >> 128n,
      maxPriorityFeePerGas: MaxUint256 >> 128n,
      value: 0n,
      data: iface.encodeFunctionData("execute", [
        address(0),
        Array.from({ length: hops }, (_, i) => [address(i + 1), 1, 0xffff]),
        word(10) >> 1n,
        word(11) >> 1n,
        [3, address(20)],
        word(12) >> 1n,
        word(13) >> 1n,
      ]),
    }).unsignedSerialized;
  const calls = new Map<number, { method: "eth_call"; params: unknown[] }>();
  return {
    call(hops) {
      let call = calls.get(hops);
      if (!call) calls.set(hops, (call = l1FeeCall(standIn(hops))));
      return call;
    },
    fee: l1FeeFrom,
  };
}

/**
 * Gives a local OP-stack devnet the L1 fee values of a real chain. Hardhat's EDR `chainType: "op"` has both
 * predeploys, but its genesis L1Block holds the fee scalars outside the Ecotone slot layout, so the oracle and the
 * chain both charge 0. Written here: slot 3 (baseFeeScalar in bytes 16..19, blobBaseFeeScalar in 20..23), with the
 * scalars OP Mainnet posted after Ecotone; the L1 base fee (slot 1) and blob base fee (slot 7) stay EDR's 10 gwei.
 */
export async function setL1FeeScalars(
  request: (method: string, params: unknown[]) => Promise<unknown>,
  scalars = { baseFee: 5_227n, blobBaseFee: 1_014_213n },
): Promise<void> {
  const slot3 = (scalars.baseFee << 96n) | (scalars.blobBaseFee << 64n);
  await request("hardhat_setStorageAt", [L1_BLOCK, "0x3", zeroPadValue(toBeHex(slot3), 32)]);
}
