/**
 * From a signature as an HSM returns it to one Ethereum accepts: ASN.1 DER (r, s) to 32-byte r and s, s in the lower
 * half of the group order (EIP-2: nodes reject the high-s twin of every signature), and the recovery bit, which the HSM
 * does not return, found by recovering the public key both ways and keeping the one that is ours.
 */
import { createPublicKey } from "node:crypto";
import { Signature, computeAddress, recoverAddress, toBeHex } from "ethers";

/** The order n of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** r and s of a DER ECDSA-Sig-Value, SEQUENCE { INTEGER r, INTEGER s }; throws on anything else. */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed DER signature: ${why}`);
  };
  const byte = (): number => (i < der.length ? (der[i++] as number) : fail("truncated"));
  const length = (): number => {
    const first = byte();
    if (first < 0x80) return first;
    if (first !== 0x81) fail("length longer than one byte"); // an ECDSA signature is at most 72 bytes
    return byte();
  };
  const integer = (): bigint => {
    if (byte() !== 0x02) fail("expected an INTEGER");
    const len = length();
    if (len === 0 || i + len > der.length) fail("INTEGER length out of bounds");
    const value = BigInt(`0x${Buffer.from(der.subarray(i, i + len)).toString("hex")}`);
    i += len;
    return value;
  };
  if (byte() !== 0x30) fail("expected a SEQUENCE");
  const sequence = length();
  if (i + sequence !== der.length) fail("SEQUENCE length does not match");
  const r = integer();
  const s = integer();
  if (i !== der.length) fail("trailing bytes");
  if (r <= 0n || r >= SECP256K1_N || s <= 0n || s >= SECP256K1_N) fail("r or s outside 1..n-1");
  return { r, s };
}

/** s, or n - s when s is in the upper half: both verify, only the lower one is valid on Ethereum. */
export function lowS(s: bigint): bigint {
  return s > SECP256K1_N / 2n ? SECP256K1_N - s : s;
}

/** The Ethereum signature of digest from an HSM's DER signature by the key whose address is `address`. */
export function ethereumSignature(digest: string, der: Uint8Array, address: string): Signature {
  const { r, s } = parseDerSignature(der);
  for (const yParity of [0, 1] as const) {
    const sig = Signature.from({ r: toBeHex(r, 32), s: toBeHex(lowS(s), 32), yParity });
    if (recoverAddress(digest, sig).toLowerCase() === address.toLowerCase()) return sig;
  }
  throw new Error(`the signature does not recover to ${address}: it was made by another key`);
}

/** The Ethereum address (lowercase) of a secp256k1 public key in PEM SubjectPublicKeyInfo form, as KMS returns it. */
export function addressOfPublicKey(pem: string): string {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "secp256k1") {
    throw new Error("the public key is not a secp256k1 key");
  }
  const { x, y } = key.export({ format: "jwk" });
  if (!x || !y) throw new Error("the public key has no curve point");
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(x, "base64url"), Buffer.from(y, "base64url")]);
  return computeAddress(`0x${point.toString("hex")}`).toLowerCase();
}
