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

const isHttpUrl = (u: string) => {
  try {
    return ["http:", "https:"].includes(new URL(u).protocol);
  } catch {
    return false;
  }
};

/** Comma-separated http(s) URLs, at least one. Messages never echo a URL: it may carry an API key. */
export const urlList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .refine((urls) => urls.length > 0, "must list at least one http(s) URL")
  .refine((urls) => urls.every(isHttpUrl), "must be comma-separated http(s) URLs");

/** One http(s) URL. The message never echoes it: a hosted bundler's or paymaster's URL carries its API key. */
export const httpUrl = z.string().refine(isHttpUrl, "must be an http(s) URL");
