/**
 * Turns property values as Pulumi writes them into state files (special signature objects) into what the policy
 * engine hands policies: secrets are never revealed (here they become "[secret]", whatever the file holds), resource
 * references become their id (or URN), and output values become their value or the engine's unknown sentinel.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/** The engine's placeholder for a value unknown during preview (a computed string). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const REDACTED = "[secret]";

export function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  switch (obj[SIG_KEY]) {
    case SECRET_SIG:
      return REDACTED;
    case RESOURCE_SIG:
      return typeof obj["id"] === "string" && obj["id"] !== "" ? obj["id"] : obj["urn"];
    case OUTPUT_SIG:
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
