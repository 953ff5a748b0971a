import fc from "fast-check";
import { Transaction, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { privateKeySigner } from "./signer.ts";
import { signingHash, signTransactionWith, type UnsignedTx } from "./transaction.ts";

// Hardhat's first well-known account: a test key only.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const wallet = new Wallet(KEY);

const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const hexBytes = fc.uint8Array({ maxLength: 1_200 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const common = {
  chainId: fc.oneof(fc.constant(1n), fc.constant(31_337n), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n })),
  to: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}`),
  data: fc.option(hexBytes, { nil: undefined }),
  nonce: fc.nat(),
  gasLimit: uint(64),
  value: fc.oneof(fc.constant(0n), uint(256)),
};
// The tip never above the fee cap, as txFees() makes them (ethers and the nodes refuse it otherwise).
const eip1559 = fc
  .record({ type: fc.constant(2 as const), tip: uint(128), headroom: uint(128), ...common })
  .map(({ tip, headroom, ...tx }) => ({ ...tx, maxPriorityFeePerGas: tip, maxFeePerGas: tip + headroom }));
const legacy = fc.record({ type: fc.constant(0 as const), gasPrice: uint(256), ...common });

/** The same transaction as ethers' Transaction object signs and encodes it. */
function byEthers(tx: UnsignedTx): Transaction {
  const { data, ...rest } = tx;
  return Transaction.from({ ...rest, ...(data === undefined ? {} : { data }) });
}

describe("the EOA route's transaction encoding", () => {
  it("hashes and encodes every EIP-1559 and legacy transaction byte for byte as ethers' Transaction does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(eip1559, legacy), async (tx) => {
        const expected = byEthers(tx);
        expect(signingHash(tx)).toBe(expected.unsignedHash);
        const raw = await signTransactionWith(tx, (digest) => wallet.signingKey.sign(digest));
        expected.signature = wallet.signingKey.sign(expected.unsignedHash);
        expect(raw).toBe(expected.serialized);
        // And what the node reads back is the transaction signed, from the key's account.
        const decoded = Transaction.from(raw);
        expect(decoded.from).toBe(wallet.address);
        expect(decoded.nonce).toBe(tx.nonce);
        expect(decoded.data).toBe(tx.data ?? "0x");
      }),
      { numRuns: 200 },
    );
  });

  it("signs from the private key's own account", async () => {
    const signer = privateKeySigner(KEY);
    expect(signer.address).toBe(wallet.address.toLowerCase());
    const raw = await signer.signTransaction({
      type: 2,
      chainId: 31_337n,
      to: wallet.address,
      nonce: 7,
      gasLimit: 21_000n,
      maxFeePerGas: 2n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
      value: 1n,
    });
    expect(Transaction.from(raw).from).toBe(wallet.address);
  });

  it("refuses calldata or an address that is not hex bytes, and a legacy transaction with no chain, naming the field", async () => {
    const tx: UnsignedTx = {
      type: 0,
      gasPrice: 1n,
      chainId: 1n,
      to: wallet.address,
      nonce: 0,
      gasLimit: 21_000n,
      value: 0n,
    };
    expect(() => signingHash({ ...tx, data: "0x123" })).toThrow(/transaction data is not 0x-prefixed hex bytes/);
    expect(() => signingHash({ ...tx, data: "0xzz" })).toThrow(/transaction data/);
    expect(() => signingHash({ ...tx, to: "0x1234" })).toThrow(/transaction to is not an address/);
    // A legacy transaction without a chain id would be valid on every chain.
    expect(() => signingHash({ ...tx, chainId: 0n })).toThrow(/transaction chainId must be positive/);
    // Mixed case is a checksum, and this one is wrong: one letter's case flipped.
    const flipped = wallet.address.replace(/[a-f]/, (c) => c.toUpperCase());
    expect(() => signingHash({ ...tx, to: flipped })).toThrow(/transaction to is not an address/);
  });
});
