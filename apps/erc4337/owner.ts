/**
 * The smart account's owner as the route signs with it. SimpleAccount v0.8 checks `ECDSA.recover(userOpHash,
 * signature) == owner`: the user-operation hash of EntryPoint v0.8 is the EIP-712 digest of the operation, signed
 * as it is, with no EIP-191 prefix. So an owner is anything that signs a 32-byte digest as given: a local key on the
 * devnet, or the Cloud KMS key in the cloud (KmsSigner.signDigest), whose key never leaves the HSM.
 */
import { getAddress, hashMessage, hashTypedData, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";

/** Signs a 32-byte digest without hashing or prefixing it; `serialized` is r || s || v (65 bytes). */
export interface DigestSigner {
  readonly address: string;
  signDigest(digest: string): Promise<{ serialized: string }>;
}

/** A viem account over a digest signer: typed data and messages are hashed here, the digest is signed there. */
export function digestOwner(signer: DigestSigner): LocalAccount {
  const sign = async (digest: Hex): Promise<Hex> => (await signer.signDigest(digest)).serialized as Hex;
  return toAccount({
    address: getAddress(signer.address),
    sign: ({ hash }) => sign(hash),
    signMessage: ({ message }) => sign(hashMessage(message)),
    signTypedData: (typedData) => sign(hashTypedData(typedData)),
    signTransaction: () => {
      // The owner signs the account's operations; the bundler, not the owner, sends transactions.
      throw new Error("the smart account's owner signs user operations, not transactions");
    },
  });
}

/** A local key as the owner: the devnet's, or a key file's (live only, like the EOA route's key). */
export function keyOwner(privateKey: string): LocalAccount {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new Error("the owner key is not a 0x-hex private key");
  return privateKeyToAccount(privateKey as Hex);
}
