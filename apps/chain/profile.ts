/**
 * Chain profiles (schema v1, DESIGN.md "Chain profile"): what the platform must know about a chain to discover its
 * pools and trade on it. One JSON file per chain under chains/; `--chain NAME|FILE` names one. Unknown fields are an
 * error, so a typo never silently falls back to a default.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { address } from "../domain/index.ts";
const wei = z.string().regex(/^[0-9]+$/, "must be a decimal string of wei");
const url = z.string().url("must be a URL");

const dexSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
    protocol: z.enum(["uniswap-v2", "uniswap-v3"], { message: 'must be "uniswap-v2" or "uniswap-v3"' }),
    factory: address,
    /** Uniswap-V2 forks charge one fee for every pair; V3 pools carry their own, so it may be left out there. */
    feeBps: z
      .number()
      .int("must be an integer 0..9999")
      .min(0, "must be 0..9999")
      .max(9999, "must be 0..9999")
      .optional(),
    /** The block the factory was deployed at: logs before it need not be read. */
    fromBlock: z.number().int("must be an integer").nonnegative("must not be negative"),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.protocol === "uniswap-v2" && d.feeBps === undefined) {
      ctx.addIssue({ code: "custom", path: ["feeBps"], message: "required for a uniswap-v2 DEX" });
    }
  });

/**
 * A flash lender of the chain beside its DEXes: an Aave V3 Pool or a Balancer V2 Vault (Uniswap-V3 pools lend too,
 * and need no entry: every V3 pool of the profile's DEXes is one).
 */
const lenderSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
    protocol: z.enum(["aave-v3", "balancer-v2"], { message: 'must be "aave-v3" or "balancer-v2"' }),
    /** The Aave Pool (its proxy) or the Balancer Vault. */
    address,
    fromBlock: z.number().int("must be an integer").nonnegative("must not be negative").optional(),
  })
  .strict();

export const chainProfileSchema = z
  .object({
    schema: z.literal(1, { errorMap: () => ({ message: "must be 1" }) }),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
    chainId: z.number().int("must be an integer").positive("must be positive"),
    wrappedNative: address,
    baseTokens: z.array(address).min(1, "must name at least one base token"),
    dexes: z.array(dexSchema).min(1, "must list at least one DEX"),
    lenders: z.array(lenderSchema).optional(),
    fees: z
      .object({
        type: z.enum(["eip1559", "legacy"], { message: 'must be "eip1559" or "legacy"' }),
        /** The chain's floor for the tip (Polygon PoS refuses less); the executor never bids under it. */
        minPriorityFeeWei: wei,
      })
      .strict(),
    blockTimeMs: z
      .number()
      .int("must be an integer")
      .min(50, "must be at least 50")
      .max(600_000, "must be at most 600000"),
    gasModel: z.enum(["ethereum", "op-stack", "arbitrum"], { message: 'must be "ethereum", "op-stack" or "arbitrum"' }),
    entryPoint: address.optional(),
    bundlerUrl: url.optional(),
    /** The ERC-4337 route has the bundler estimate each trade's own operation before it is sent (default true). */
    bundlerEstimatesEachTrade: z.boolean({ invalid_type_error: "must be true or false" }).optional(),
    paymasterUrl: url.optional(),
    relayUrl: url.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.dexes.forEach((d, i) => {
      if (names.has(d.name))
        ctx.addIssue({ code: "custom", path: ["dexes", i, "name"], message: `duplicate DEX name "${d.name}"` });
      names.add(d.name);
    });
    const factories = new Set<string>();
    p.dexes.forEach((d, i) => {
      if (factories.has(d.factory)) {
        ctx.addIssue({ code: "custom", path: ["dexes", i, "factory"], message: `duplicate factory ${d.factory}` });
      }
      factories.add(d.factory);
    });
    // The executor borrows from one pool per lending protocol: a second one would silently never be used.
    const protocols = new Set<string>();
    p.lenders?.forEach((l, i) => {
      if (protocols.has(l.protocol)) {
        ctx.addIssue({ code: "custom", path: ["lenders", i, "protocol"], message: `a second ${l.protocol} lender` });
      }
      protocols.add(l.protocol);
    });
  });

export type ChainProfile = z.output<typeof chainProfileSchema>;
export type ChainProfileInput = z.input<typeof chainProfileSchema>;
export type DexProfile = ChainProfile["dexes"][number];
export type LenderProfile = NonNullable<ChainProfile["lenders"]>[number];

/**
 * Whether the ERC-4337 route has the bundler estimate each trade's own operation: on unless the profile says otherwise
 * (a real chain's node and hosted bundler answer in parallel); the devnet's profile turns it off (devnet-profile.ts).
 */
export function bundlerEstimatesEachTrade(profile: Pick<ChainProfile, "bundlerEstimatesEachTrade">): boolean {
  return profile.bundlerEstimatesEachTrade ?? true;
}

/** A profile that cannot be read or fails its schema; the message names the file, the field and the reason. */
export class ProfileError extends Error {
  override readonly name = "ProfileError";
}

function fieldPath(path: (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

/** Validates parsed JSON; `source` names where it came from in the error. */
export function parseChainProfile(raw: unknown, source: string): ChainProfile {
  const parsed = chainProfileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new ProfileError(`${source}: invalid chain profile`);
  if (issue.code === "unrecognized_keys") {
    const field = fieldPath([...issue.path, issue.keys[0] ?? "?"]);
    throw new ProfileError(`${source}: ${field}: unknown field`);
  }
  const field = fieldPath(issue.path) || "(root)";
  const message =
    issue.code === "invalid_type" && issue.received === "undefined" ? "required field is missing" : issue.message;
  throw new ProfileError(`${source}: ${field}: ${message}`);
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The shipped profiles. */
export const CHAINS_DIR = join(ROOT, "chains");

/**
 * Where `--chain NAME|FILE` points: a path (anything with a slash or ending in .json) as given; a name in chains/,
 * then in $ORION_HOME/chains/ (where `orion devnet` writes its profile by default).
 */
export function resolveChainProfile(nameOrFile: string, orionHome: string): string {
  if (nameOrFile.includes("/") || nameOrFile.endsWith(".json")) return resolve(nameOrFile);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(nameOrFile)) {
    throw new ProfileError(
      `--chain ${nameOrFile}: not a profile name (lowercase letters, digits, dashes) or a .json file`,
    );
  }
  const candidates = [join(CHAINS_DIR, `${nameOrFile}.json`), join(orionHome, "chains", `${nameOrFile}.json`)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new ProfileError(`--chain ${nameOrFile}: no profile ${candidates.join(" or ")}`);
  return found;
}

export async function loadChainProfile(nameOrFile: string, orionHome: string): Promise<ChainProfile> {
  const file = resolveChainProfile(nameOrFile, orionHome);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ProfileError(
      `${file}: cannot read the chain profile (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseChainProfile(raw, file);
}
