/**
 * A local gRPC server speaking the Cloud KMS API (the .proto files shipped inside @google-cloud/kms and google-gax)
 * for GetPublicKey and AsymmetricSign over one real secp256k1 key. Like KMS it signs the digest it is given without
 * hashing it again, checks the digest's CRC32C, and does not normalise s: every other signature is the high-s twin,
 * so the client's low-s step is exercised. For tests only.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { SigningKey, getBytes } from "ethers";
import { crc32c } from "../crc32c.ts";
import { SECP256K1_N } from "../secp256k1.ts";

export interface KmsServerOptions {
  /** The HSM key's private key (hex): held by this server alone, as KMS holds it. */
  privateKey: string;
  /** The one key version this server knows. */
  keyVersion: string;
  algorithm?: string;
  protectionLevel?: "HSM" | "SOFTWARE";
}

export interface KmsServer {
  /** 127.0.0.1:PORT, for the client's apiEndpoint and port. */
  host: string;
  port: number;
  /** Signatures made, and how many of them were returned high-s. */
  readonly signed: number;
  readonly highS: number;
  stop(): Promise<void>;
}

function protoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const kms = dirname(require.resolve("@google-cloud/kms/package.json"));
  // google-gax exports no package.json: its protos sit beside its entry point, under build/.
  const gaxMain = createRequire(join(kms, "package.json")).resolve("google-gax");
  const gax = gaxMain.slice(0, gaxMain.lastIndexOf("/build/"));
  return [join(kms, "build", "protos"), join(gax, "build", "protos")];
}

/** ASN.1 DER SEQUENCE { INTEGER r, INTEGER s }, as KMS returns an ECDSA signature. */
export function derSignature(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let bytes = Buffer.from(v.toString(16).padStart(64, "0"), "hex");
    while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) bytes = bytes.subarray(1);
    if (((bytes[0] as number) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** The key's public half as PEM SubjectPublicKeyInfo, the form GetPublicKey returns. */
function publicKeyPem(privateKey: string): string {
  const signing = new SigningKey(privateKey);
  const point = getBytes(signing.publicKey); // 0x04 || x || y
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  const jwk = {
    kty: "EC",
    crv: "secp256k1",
    d: b64(getBytes(privateKey)),
    x: b64(point.subarray(1, 33)),
    y: b64(point.subarray(33)),
  };
  return createPublicKey(createPrivateKey({ key: jwk, format: "jwk" })).export({
    type: "spki",
    format: "pem",
  }) as string;
}

type Unary = grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>>;

export async function startKmsServer(o: KmsServerOptions): Promise<KmsServer> {
  const definition = protoLoader.loadSync("google/cloud/kms/v1/service.proto", {
    includeDirs: protoDirs(),
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { kms: { v1: { KeyManagementService: grpc.ServiceClientConstructor } } } };
  };
  const signing = new SigningKey(o.privateKey);
  const pem = publicKeyPem(o.privateKey);
  let signed = 0;
  let highS = 0;
  const notFound = (name: unknown) => ({ code: grpc.status.NOT_FOUND, details: `${String(name)} not found` });

  const GetPublicKey: Unary = (call, done) => {
    if (call.request.name !== o.keyVersion) return done(notFound(call.request.name));
    done(null, {
      pem,
      algorithm: o.algorithm ?? "EC_SIGN_SECP256K1_SHA256",
      pemCrc32c: { value: String(crc32c(pem)) },
      name: o.keyVersion,
      protectionLevel: o.protectionLevel ?? "HSM",
    });
  };

  const AsymmetricSign: Unary = (call, done) => {
    const req = call.request as {
      name: string;
      digest: { sha256?: Buffer | null } | null;
      digestCrc32c: { value: string } | null;
    };
    if (req.name !== o.keyVersion) return done(notFound(req.name));
    const digest = req.digest?.sha256;
    if (!digest || digest.length !== 32) {
      return done({ code: grpc.status.INVALID_ARGUMENT, details: "digest.sha256 must be 32 bytes" });
    }
    if (req.digestCrc32c && Number(req.digestCrc32c.value) !== crc32c(digest)) {
      return done({ code: grpc.status.INVALID_ARGUMENT, details: "digest_crc32c does not match digest" });
    }
    const sig = signing.sign(digest);
    let s = BigInt(sig.s);
    if (signed % 2 === 1) {
      s = SECP256K1_N - s;
      highS++;
    }
    signed++;
    const signature = derSignature(BigInt(sig.r), s);
    done(null, {
      signature,
      signatureCrc32c: { value: String(crc32c(signature)) },
      verifiedDigestCrc32c: req.digestCrc32c !== null,
      name: o.keyVersion,
      protectionLevel: o.protectionLevel ?? "HSM",
    });
  };

  const server = new grpc.Server();
  server.addService(loaded.google.cloud.kms.v1.KeyManagementService.service, { GetPublicKey, AsymmetricSign });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    host: "127.0.0.1",
    port,
    get signed() {
      return signed;
    },
    get highS() {
      return highS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
