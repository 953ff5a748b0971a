import type { Props } from "./factory.ts";

/**
 * Readers over resource properties. They walk with plain property access, so the engine's unknown-checking proxy
 * still sees every step and raises its UnknownValueError for a value that is unknown during preview.
 */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function str(obj: unknown, path: string): string | undefined {
  const v = at(obj, path);
  return typeof v === "string" ? v : undefined;
}

export function num(obj: unknown, path: string): number | undefined {
  const v = at(obj, path);
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function isTrue(obj: unknown, path: string): boolean {
  return at(obj, path) === true;
}

export function list(obj: unknown, path: string): unknown[] {
  const v = at(obj, path);
  return Array.isArray(v) ? v : [];
}

export function record(obj: unknown, path: string): Props | undefined {
  const v = at(obj, path);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Props) : undefined;
}

/** A set value: present and not an empty string, list or object. */
export function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Durations as the GCP APIs write them ("7776000s", "86400.5s") in seconds; undefined when unparseable. */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

/** The members an IAM member or binding resource grants to. */
export function membersOf(props: Props): string[] {
  const one = str(props, "member");
  const many = list(props, "members").filter((m): m is string => typeof m === "string");
  return one === undefined ? many : [one, ...many];
}

export function isPublicMember(member: string): boolean {
  return member === "allUsers" || member === "allAuthenticatedUsers";
}

/** The last path segment of a name or resource path ("projects/p/.../buckets/b" -> "b"). */
export function lastSegment(ref: string): string {
  const parts = ref.split("/");
  return parts[parts.length - 1] ?? ref;
}

/** Whether `ref` (a name, id or self link written into another resource's inputs) denotes this resource. */
export function refersTo(ref: unknown, resource: { name: string; props: Props }): boolean {
  if (typeof ref !== "string" || ref === "") return false;
  const candidates = [
    resource.name,
    str(resource.props, "name"),
    str(resource.props, "id"),
    str(resource.props, "selfLink"),
  ];
  const tail = lastSegment(ref);
  return candidates.some((c) => c !== undefined && (c === ref || lastSegment(c) === tail));
}

/** The region a Cloud KMS key path names: projects/p/locations/<region>/keyRings/r/cryptoKeys/k. */
export function kmsKeyRegion(key: string): string | undefined {
  const m = /\/locations\/([^/]+)\//.exec(key);
  return m ? m[1] : undefined;
}
