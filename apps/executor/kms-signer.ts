/**
 * The executor's signer in the cloud: the key never leaves Cloud KMS. `ORION_SIGNER_KMS` names an HSM key version of
 * algorithm EC_SIGN_SECP256K1_SHA256; each transaction's keccak-256 signing hash goes to `asymmetricSign` as the
 * 32-byte digest (KMS signs a digest as given, it does not hash it again), and the DER signature that comes back is
 * turned into Ethereum's (r, s, yParity) by secp256k1.ts. Requests and responses carry CRC32C checksums both ways.
 */
import { KeyManagementServiceClient } from "@google-cloud/kms";
import { getBytes } from "ethers";
import type { Signature } from "ethers";
import { EnvError } from "../connections/index.ts";
import { crc32c } from "./crc32c.ts";
import { addressOfPublicKey, ethereumSignature } from "./secp256k1.ts";
import type { TxSigner } from "./signer.ts";
import { signTransactionWith, type UnsignedTx } from "./transaction.ts";

const KEY_VERSION =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[1-9][0-9]*$/;

/** Checks ORION_SIGNER_KMS names a key version (not a key: a key's versions are different addresses). */
export function kmsKeyVersion(raw: string | undefined): string {
  if (!raw)
    throw new EnvError("ORION_SIGNER_KMS", "is not set: the executor signs with a Cloud KMS key version in live mode");
  if (!KEY_VERSION.test(raw)) {
    throw new EnvError(
      "ORION_SIGNER_KMS",
      "must name a key version: projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N",
    );
  }
  return raw;
}

export interface KmsSignerOptions {
  /** The key version's resource name (ORION_SIGNER_KMS). */
  keyVersion: string;
  /** Default: a client with Application Default Credentials (the executor's service account on Cloud Run). */
  client?: KeyManagementServiceClient;
}

export class KmsSigner implements TxSigner {
  private constructor(
    private readonly client: KeyManagementServiceClient,
    private readonly keyVersion: string,
    readonly address: string,
    private readonly ownsClient: boolean,
  ) {}

  /** Reads the key version's public key (its address) and checks it is an HSM secp256k1 signing key. */
  static async connect(o: KmsSignerOptions): Promise<KmsSigner> {
    const name = kmsKeyVersion(o.keyVersion);
    const client = o.client ?? new KeyManagementServiceClient();
    try {
      const [key] = await client.getPublicKey({ name });
      if (String(key.algorithm) !== "EC_SIGN_SECP256K1_SHA256") {
        throw new Error(`${name} is ${String(key.algorithm)}, not EC_SIGN_SECP256K1_SHA256`);
      }
      if (String(key.protectionLevel) !== "HSM") {
        throw new Error(`${name} is a ${String(key.protectionLevel)} key: the executor signs only with an HSM key`);
      }
      const pem = key.pem ?? "";
      if (key.pemCrc32c?.value != null && Number(key.pemCrc32c.value) !== crc32c(pem)) {
        throw new Error(`${name}: the public key's CRC32C does not match: corrupted in transit`);
      }
      return new KmsSigner(client, name, addressOfPublicKey(pem), !o.client);
    } catch (err) {
      if (!o.client) await client.close();
      throw new Error(`ORION_SIGNER_KMS: ${(err as Error).message}`, { cause: err });
    }
  }

  signTransaction(tx: UnsignedTx): Promise<string> {
    return signTransactionWith(tx, (digest) => this.signDigest(digest));
  }

  /**
   * Signs a 32-byte digest exactly as given (no hashing, no prefix): a transaction's signing hash, or the EIP-712
   * digest a smart account checks its owner's signature against (for EntryPoint v0.8, the user-operation hash).
   */
  async signDigest(digest: string): Promise<Signature> {
    const bytes = getBytes(digest);
    if (bytes.length !== 32) throw new Error(`a digest is 32 bytes, not ${bytes.length}`);
    const [res] = await this.client.asymmetricSign({
      name: this.keyVersion,
      digest: { sha256: bytes },
      digestCrc32c: { value: crc32c(bytes) },
    });
    if (res.name !== this.keyVersion)
      throw new Error(`KMS answered for ${res.name ?? "no key"}, not ${this.keyVersion}`);
    if (!res.verifiedDigestCrc32c) throw new Error("KMS did not verify the digest's CRC32C: the request was corrupted");
    const signature = typeof res.signature === "string" ? Buffer.from(res.signature, "base64") : res.signature;
    if (!signature) throw new Error("KMS returned no signature");
    if (res.signatureCrc32c?.value == null || Number(res.signatureCrc32c.value) !== crc32c(signature)) {
      throw new Error("the signature's CRC32C does not match: corrupted in transit");
    }
    return ethereumSignature(digest, signature, this.address);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
