import { z } from "zod";

/** Empty counts as unset: `FOO=` in a shell or a manifest means "not configured", never the empty string. */
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);
export const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(unsetIfEmpty, schema.optional());
export const withDefault = <T extends z.ZodTypeAny>(schema: T, value: z.input<T>) =>
  z.preprocess(unsetIfEmpty, schema.default(value));
export const required = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(unsetIfEmpty, schema);

export const port = z
  .string()
  .regex(/^\d{1,5}$/, "must be a TCP port number")
  .transform(Number)
  .refine((p) => p <= 65_535, "must be a TCP port number (0..65535)");

/** A duration in milliseconds, 100 to 999999. */
export const milliseconds = z
  .string()
  .regex(/^\d{3,6}$/, "must be milliseconds, 100 to 999999")
  .transform(Number)
  .refine((n) => n >= 100, "must be milliseconds, 100 to 999999");

export const bool = z.enum(["true", "false"], { message: 'must be "true" or "false"' }).transform((v) => v === "true");

const hasProtocol = (u: string, protocols: string[]) => {
  try {
    return protocols.includes(new URL(u).protocol);
  } catch {
    return false;
  }
};
const isHttpUrl = (u: string) => hasProtocol(u, ["http:", "https:"]);
const isWsUrl = (u: string) => hasProtocol(u, ["ws:", "wss:"]);

/**
 * A chain's JSON-RPC URLs, comma-separated: the http(s) ones take requests (failover order); a ws(s) one gives new
 * heads by subscription, as `--rpc` does for `orion trade` (the first such is used). At least one http(s) URL.
 * Messages never echo a URL: a hosted node's carries its API key.
 */
export const rpcUrls = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .refine(
    (urls) => urls.every((u) => isHttpUrl(u) || isWsUrl(u)),
    "must be comma-separated http(s) JSON-RPC URLs (and ws(s) ones for new heads)",
  )
  .refine(
    (urls) => urls.some(isHttpUrl),
    "must list at least one http(s) URL for requests (a ws(s) URL gives new heads only)",
  )
  .transform((urls) => ({ requests: urls.filter(isHttpUrl), heads: urls.filter(isWsUrl) }));

/** One http(s) URL. The message never echoes it: a hosted bundler's or paymaster's URL carries its API key. */
export const httpUrl = z.string().refine(isHttpUrl, "must be an http(s) URL");
