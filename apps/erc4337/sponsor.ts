/**
 * The platform's side of SponsorPaymaster: it signs the operations it is willing to pay for. The digest is the
 * contract's getHash() computed off-chain (a test holds the two equal), so sponsoring costs no round trip.
 */
import { concat, encodeAbiParameters, keccak256, numberToHex, pad, type Hex, type LocalAccount } from "viem";
import { toPackedUserOperation, type GetPaymasterDataParameters, type UserOperation } from "viem/account-abstraction";

/** Gas the paymaster's validation may use: one ecrecover and a few slices, measured at about 9k with margin. */
export const PAYMASTER_VERIFICATION_GAS = 40_000n;
/** No postOp: validation returns no context. */
export const PAYMASTER_POST_OP_GAS = 0n;
/** A sponsorship is valid this long; an operation not included by then fails validation instead of paying late. */
export const SPONSORSHIP_TTL_SECONDS = 120;

const WINDOW_AND_SIGNATURE_STUB: Hex = `0x${"00".repeat(12)}${"ff".repeat(64)}1b`;

export interface SponsorshipTerms {
  paymaster: Hex;
  chainId: number;
  validUntil: number;
  validAfter: number;
}

type UnsignedOperation = Omit<UserOperation<"0.8">, "signature" | "paymasterData"> & { paymaster: Hex };

/** SponsorPaymaster.getHash: every field that decides what runs and what it may cost, bound to chain and paymaster. */
export function sponsorshipHash(op: UnsignedOperation, terms: SponsorshipTerms): Hex {
  const packed = toPackedUserOperation({ ...op, paymasterData: "0x", signature: "0x" } as UserOperation<"0.8">);
  const paymasterGas = `0x${packed.paymasterAndData.slice(42, 106)}` as Hex;
  return keccak256(
    encodeAbiParameters(
      [
        { type: "address" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint256" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
        { type: "uint48" },
        { type: "uint48" },
      ],
      [
        packed.sender,
        packed.nonce,
        keccak256(packed.initCode),
        keccak256(packed.callData),
        packed.accountGasLimits,
        BigInt(paymasterGas),
        packed.preVerificationGas,
        packed.gasFees,
        BigInt(terms.chainId),
        terms.paymaster,
        terms.validUntil,
        terms.validAfter,
      ],
    ),
  );
}

/** The sponsor signs gas limits and fees, so it refuses to sign before they are all set. */
function finalOperation(r: GetPaymasterDataParameters): Omit<UnsignedOperation, "paymaster"> {
  const { callGasLimit, verificationGasLimit, preVerificationGas, maxFeePerGas, maxPriorityFeePerGas } = r;
  if (
    callGasLimit === undefined ||
    verificationGasLimit === undefined ||
    preVerificationGas === undefined ||
    maxFeePerGas === undefined ||
    maxPriorityFeePerGas === undefined
  ) {
    throw new Error("sponsorship asked for a user operation whose gas fields are not final");
  }
  return {
    sender: r.sender,
    nonce: r.nonce,
    callData: r.callData,
    factory: r.factory,
    factoryData: r.factoryData,
    callGasLimit,
    verificationGasLimit,
    preVerificationGas,
    maxFeePerGas,
    maxPriorityFeePerGas,
  };
}

/**
 * The paymaster hooks viem's user-operation preparation calls: a stub of the final length for gas estimation, then
 * the signed data once every gas field is final.
 */
export function sponsorPaymaster(o: {
  paymaster: Hex;
  sponsor: LocalAccount;
  /** Milliseconds of the clock the EntryPoint judges validity by (block.timestamp); default this machine's clock. */
  now?: () => number | Promise<number>;
}) {
  const fixed = {
    paymaster: o.paymaster,
    paymasterVerificationGasLimit: PAYMASTER_VERIFICATION_GAS,
    paymasterPostOpGasLimit: PAYMASTER_POST_OP_GAS,
  };
  return {
    async getPaymasterStubData() {
      return { ...fixed, paymasterData: WINDOW_AND_SIGNATURE_STUB };
    },
    async getPaymasterData(request: GetPaymasterDataParameters) {
      const op = finalOperation(request);
      const validAfter = 0;
      const validUntil = Math.floor((await (o.now?.() ?? Date.now())) / 1000) + SPONSORSHIP_TTL_SECONDS;
      const terms = { paymaster: o.paymaster, chainId: request.chainId, validUntil, validAfter };
      const hash = sponsorshipHash({ ...op, ...fixed }, terms);
      const signature = await o.sponsor.signMessage({ message: { raw: hash } });
      return {
        ...fixed,
        paymasterData: concat([
          pad(numberToHex(validUntil), { size: 6 }),
          pad(numberToHex(validAfter), { size: 6 }),
          signature,
        ]),
      };
    },
  };
}
