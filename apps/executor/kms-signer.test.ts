import { KeyManagementServiceClient } from "@google-cloud/kms";
import * as grpc from "@grpc/grpc-js";
import { Transaction, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccounts, startDevnet } from "../chain/devnet.ts";
import type { Devnet } from "../chain/devnet.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { EnvError } from "../connections/index.ts";
import { crc32c } from "./crc32c.ts";
import { KmsSigner, kmsKeyVersion } from "./kms-signer.ts";
import { SECP256K1_N, ethereumSignature, lowS, parseDerSignature } from "./secp256k1.ts";
import { privateKeySigner } from "./signer.ts";
import { derSignature, startKmsServer } from "./testing/kms-server.ts";
import type { KmsServer } from "./testing/kms-server.ts";

const KEY_VERSION =
  "projects/orion-test/locations/us-east4/keyRings/orion-test-us-east4/cryptoKeys/executor-signer/cryptoKeyVersions/1";
/** The HSM's key: only the local KMS server holds it; the signer sees its public half. */
const hsmKey = Wallet.createRandom();

let devnet: Devnet;
let provider: FailoverProvider;
let kms: KmsServer;
const clients: KeyManagementServiceClient[] = [];

/** The real KMS client library, pointed at the local server over plaintext gRPC. */
function kmsClient(server: KmsServer): KeyManagementServiceClient {
  const client = new KeyManagementServiceClient({
    apiEndpoint: server.host,
    port: server.port,
    sslCreds: grpc.credentials.createInsecure(),
    // Stated, so the library does not look for a project on a metadata server.
    projectId: "orion-test",
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  [devnet, kms] = await Promise.all([
    startDevnet(),
    startKmsServer({ privateKey: hsmKey.privateKey, keyVersion: KEY_VERSION }),
  ]);
  provider = new FailoverProvider([eip1193Transport("devnet", devnet.provider)], { chainId: devnet.chainId });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  provider?.destroy();
  await Promise.all([kms?.stop(), devnet?.close()]);
});

async function send(raw: string) {
  const hash = (await provider.send("eth_sendRawTransaction", [raw])) as string;
  const receipt = await provider.getTransactionReceipt(hash);
  if (!receipt) throw new Error(`no receipt for ${hash}`);
  return receipt;
}

describe("KmsSigner against a local KMS gRPC server and the devnet", () => {
  it("signs EIP-1559 transactions the devnet accepts, each recovering to the HSM key's address", async () => {
    const signer = await KmsSigner.connect({ keyVersion: KEY_VERSION, client: kmsClient(kms) });
    expect(signer.address).toBe(hsmKey.address.toLowerCase());

    // Fund the KMS account from a devnet account.
    const [funder] = devAccounts(1);
    if (!funder) throw new Error("no devnet account");
    const fee = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, gasLimit: 21_000n };
    const funding = await privateKeySigner(funder.privateKey).signTransaction({
      type: 2,
      chainId: BigInt(devnet.chainId),
      to: signer.address,
      value: 10n ** 18n,
      nonce: await provider.getTransactionCount(funder.address),
      ...fee,
    });
    expect((await send(funding)).status).toBe(1);

    const recipient = Wallet.createRandom().address;
    const highBefore = kms.highS;
    for (let nonce = 0; nonce < 4; nonce++) {
      const raw = await signer.signTransaction({
        type: 2,
        chainId: BigInt(devnet.chainId),
        to: recipient,
        value: 1_000n + BigInt(nonce),
        nonce,
        ...fee,
      });
      const tx = Transaction.from(raw);
      expect(tx.from?.toLowerCase()).toBe(signer.address);
      expect(BigInt(tx.signature?.s ?? 0) <= SECP256K1_N / 2n).toBe(true);
      const receipt = await send(raw);
      expect(receipt.status).toBe(1);
      expect(receipt.from.toLowerCase()).toBe(signer.address);
    }
    // Half the server's signatures came back high-s, as KMS's do; each was accepted after normalisation.
    expect(kms.highS - highBefore).toBe(2);
    expect(await provider.getBalance(recipient)).toBe(4_006n);
    expect(await provider.getTransactionCount(signer.address)).toBe(4);
  });

  it("refuses a key version KMS does not have, a software key and a key of another algorithm", async () => {
    const missing = KEY_VERSION.replace(/1$/, "2");
    await expect(KmsSigner.connect({ keyVersion: missing, client: kmsClient(kms) })).rejects.toThrow(
      /^ORION_SIGNER_KMS: .*not found/,
    );
    const software = await startKmsServer({
      privateKey: hsmKey.privateKey,
      keyVersion: KEY_VERSION,
      protectionLevel: "SOFTWARE",
    });
    const p256 = await startKmsServer({
      privateKey: hsmKey.privateKey,
      keyVersion: KEY_VERSION,
      algorithm: "EC_SIGN_P256_SHA256",
    });
    try {
      await expect(KmsSigner.connect({ keyVersion: KEY_VERSION, client: kmsClient(software) })).rejects.toThrow(
        /SOFTWARE key: the executor signs only with an HSM key/,
      );
      await expect(KmsSigner.connect({ keyVersion: KEY_VERSION, client: kmsClient(p256) })).rejects.toThrow(
        /EC_SIGN_P256_SHA256, not EC_SIGN_SECP256K1_SHA256/,
      );
    } finally {
      await Promise.all([software.stop(), p256.stop()]);
    }
  });
});

describe("ORION_SIGNER_KMS", () => {
  it.each([
    [undefined, /is not set/],
    ["projects/p/locations/l/keyRings/r/cryptoKeys/executor-signer", /must name a key version/],
    ["executor-signer", /must name a key version/],
  ])("refuses %j", (raw, reason) => {
    expect(() => kmsKeyVersion(raw)).toThrow(EnvError);
    expect(() => kmsKeyVersion(raw)).toThrow(reason);
  });
});

describe("secp256k1 signatures from an HSM", () => {
  const digest = keccak256(toUtf8Bytes("a transaction"));
  const wallet = Wallet.createRandom();
  const sig = wallet.signingKey.sign(digest);

  it("turns a DER signature, high-s or low-s, into the Ethereum signature that recovers to the key", () => {
    for (const s of [BigInt(sig.s), SECP256K1_N - BigInt(sig.s)]) {
      const eth = ethereumSignature(digest, derSignature(BigInt(sig.r), s), wallet.address);
      expect(eth.r).toBe(sig.r);
      expect(eth.s).toBe(sig.s);
      expect(eth.yParity).toBe(sig.yParity);
    }
    expect(lowS(SECP256K1_N - 1n)).toBe(1n);
  });

  it("refuses a signature by another key and malformed DER", () => {
    const der = derSignature(BigInt(sig.r), BigInt(sig.s));
    expect(() => ethereumSignature(digest, der, Wallet.createRandom().address)).toThrow(/made by another key/);
    expect(() => parseDerSignature(der.subarray(0, der.length - 1))).toThrow(/malformed DER/);
    expect(() => parseDerSignature(Buffer.concat([der, Buffer.from([0])]))).toThrow(/malformed DER/);
    expect(() => parseDerSignature(derSignature(SECP256K1_N, 1n))).toThrow(/outside 1..n-1/);
  });

  it("computes CRC32C (Castagnoli) as KMS does", () => {
    expect(crc32c("123456789")).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});
