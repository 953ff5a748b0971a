import { CompactSign, compactVerify, importPKCS8, importSPKI, type CryptoKey, type KeyObject } from "jose";
import { complianceReportSchema, type ComplianceReport } from "./compliance-reports.ts";

/** Which compliance report may unlock live mode: the platform's own stack, signed by CI, recent enough. */
export interface ReportTrust {
  /** The stack this platform runs as (ORION_STACK). */
  stack: string;
  /** The CI identity's public key (ORION_REPORT_PUBLIC_KEY, PEM SPKI; Ed25519 or P-256). */
  publicKey: CryptoKey | KeyObject;
  /** Reports generated longer ago than this do not count (ORION_REPORT_MAX_AGE_SECONDS). */
  maxAgeSeconds: number;
}

export const DEFAULT_REPORT_MAX_AGE_SECONDS = 24 * 3600;
const ALGORITHMS = ["EdDSA", "ES256"];

export class ReportSignatureInvalid extends Error {
  override readonly name = "ReportSignatureInvalid";
}

export async function importReportKey(pem: string): Promise<CryptoKey | KeyObject> {
  for (const alg of ALGORITHMS) {
    try {
      return await importSPKI(pem, alg);
    } catch {
      // try the next algorithm
    }
  }
  throw new Error("ORION_REPORT_PUBLIC_KEY: not a PEM public key (SPKI) for EdDSA (Ed25519) or ES256");
}

/** The report a compact JWS carries, if the configured key signed it; the payload is the report's JSON. */
export async function verifySignedReport(jws: string, key: CryptoKey | KeyObject): Promise<ComplianceReport> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, key, { algorithms: ALGORITHMS }));
  } catch {
    throw new ReportSignatureInvalid("the report's signature does not verify against the CI identity's key");
  }
  return complianceReportSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
}

/** The CI identity's private key (PEM PKCS8, Ed25519 or P-256) and the JWS algorithm it signs with. */
export async function importReportSigningKey(pem: string): Promise<{ key: CryptoKey | KeyObject; alg: string }> {
  for (const alg of ALGORITHMS) {
    try {
      return { key: await importPKCS8(pem, alg), alg };
    } catch {
      // try the next algorithm
    }
  }
  throw new Error("not a PEM private key (PKCS8) for EdDSA (Ed25519) or ES256 (P-256)");
}

/** What CI posts to POST /compliance/reports: the report, exactly as given, as the payload of a compact JWS. */
export async function signReport(report: unknown, signing: { key: CryptoKey | KeyObject; alg: string }) {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(report)))
    .setProtectedHeader({ alg: signing.alg })
    .sign(signing.key);
  return { jws };
}
