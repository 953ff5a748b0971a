/**
 * Who signs the executor's transactions. On the devnet a local key; in the cloud a KMS-backed implementation of the
 * same interface. In sim mode no TxSigner is constructed at all, so no key is ever loaded.
 */
import { SigningKey, computeAddress } from "ethers";
import { signTransactionWith, type UnsignedTx } from "./transaction.ts";

export interface TxSigner {
  /** The sending account, lowercase. */
  readonly address: string;
  /** The transaction signed and encoded, as eth_sendRawTransaction takes it. */
  signTransaction(tx: UnsignedTx): Promise<string>;
}

/** A signer over a raw private key: for the devnet's well-known accounts only. */
export function privateKeySigner(privateKey: string): TxSigner {
  const key = new SigningKey(privateKey);
  return {
    address: computeAddress(key.publicKey).toLowerCase(),
    signTransaction: (tx) => signTransactionWith(tx, (digest) => key.sign(digest)),
  };
}
