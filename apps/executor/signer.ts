/**
 * Who signs the executor's transactions. On the devnet a local key; in the cloud a KMS-backed implementation of the
 * same interface. In sim mode no TxSigner is constructed at all, so no key is ever loaded.
 */
import { Transaction, Wallet } from "ethers";
import type { TransactionLike } from "ethers";

export interface TxSigner {
  /** The sending account, lowercase. */
  readonly address: string;
  /** A signed, serialised EIP-1559 transaction. */
  signTransaction(tx: TransactionLike<string>): Promise<string>;
}

/** A signer over a raw private key: for the devnet's well-known accounts only. */
export function privateKeySigner(privateKey: string): TxSigner {
  const wallet = new Wallet(privateKey);
  return {
    address: wallet.address.toLowerCase(),
    signTransaction: (tx) => wallet.signTransaction(Transaction.from(tx)),
  };
}
