/**
 * The one normaliser of Pulumi property values, used by the offline plan (components/common/offline.ts) and by every
 * evaluator source (program, export, preview), so a plan and a report can never read the same program differently.
 * It turns values as Pulumi writes them (the SDK's wire format and state files: special signature objects) into
 * what the policy engine hands policies: secrets are never revealed (they become "[secret]", whatever the input
 * holds), resource references become their id (or URN), and output values become their value or the engine's
 * unknown sentinel. The signatures are the SDK's own constants, never copies.
 */
import * as pulumi from "@pulumi/pulumi";

const { specialSigKey, specialSecretSig, specialResourceSig, specialOutputValueSig, unknownValue } = pulumi.runtime;

export const SIG_KEY: string = specialSigKey;
/** The engine's placeholder for a value unknown during preview (a computed string). */
export const UNKNOWN: string = unknownValue;
export const REDACTED = "[secret]";

export function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  switch (obj[specialSigKey]) {
    case specialSecretSig:
      return REDACTED;
    case specialResourceSig:
      return typeof obj["id"] === "string" && obj["id"] !== "" ? obj["id"] : obj["urn"];
    case specialOutputValueSig:
      if (obj["secret"] === true) return REDACTED;
      return "value" in obj ? normalizeValue(obj["value"]) : UNKNOWN;
    default: {
      // Assets and archives keep their signature: the engine's own deserializer turns them into asset objects.
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) out[k] = normalizeValue(v);
      return out;
    }
  }
}

export function normalizeProps(value: unknown): Record<string, unknown> {
  const v = normalizeValue(value);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
