/**
 * Compiled contracts, from builds committed in apps/contracts/build/ (`npm run build:contracts` writes them; build.test.ts
 * recompiles each and fails when the committed file is not what the sources compile to, byte for byte). Loading one
 * never loads a compiler: solc-js takes 1-2.5 s of CPU to load, and every devnet, test worker and bot paid it, even
 * for a cached build, to read the compiler's version. A committed build serves only the sources, settings and
 * compiler package version it was made from (its fingerprint); after an edit of a source, the job is compiled on first
 * use and cached in .orion/artifacts/<fingerprint>.json (generated, gitignored) until the build is rewritten.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** A solc-js compiler: the `solc` npm package of some version. */
export interface Solc {
  version(): string;
  compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string;
}
const require = createRequire(import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCES_DIR = join(here, "src");
export const BUILD_DIR = join(here, "build");
export const DEFAULT_CACHE_DIR = join(here, "..", "..", ".orion", "artifacts");

// Transient storage (the executor's callback guard) needs Cancun; the IR pipeline avoids stack-too-deep in execute().
const SETTINGS = {
  evmVersion: "cancun",
  viaIR: true,
  optimizer: { enabled: true, runs: 10_000 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
} as const;

const abiSchema = z.array(z.record(z.unknown()));
const compiledSchema = z.record(z.object({ abi: abiSchema, bytecode: z.string().regex(/^0x[0-9a-f]*$/) }));
export type CompiledContracts = z.infer<typeof compiledSchema>;
const buildSchema = z.object({ fingerprint: z.string(), contracts: compiledSchema });

const solcErrorsSchema = z.object({
  errors: z.array(z.object({ severity: z.string(), formattedMessage: z.string() })).optional(),
});
const solcOutputSchema = z.object({
  contracts: z
    .record(z.record(z.object({ abi: abiSchema, evm: z.object({ bytecode: z.object({ object: z.string() }) }) })))
    .optional(),
});

async function readSources(): Promise<Record<string, { content: string }>> {
  const names = (await readdir(SOURCES_DIR)).filter((f) => f.endsWith(".sol")).sort();
  const sources: Record<string, { content: string }> = {};
  for (const name of names) sources[name] = { content: await readFile(join(SOURCES_DIR, name), "utf8") };
  return sources;
}

/** One compilation: its compiler, sources and settings, and how imports outside `sources` resolve. */
export interface CompileJob {
  /** Its committed build: apps/contracts/build/<name>.json. */
  name: string;
  /** The npm package of the compiler (`solc`, or an alias such as `solc-0.7`); loaded only to compile. */
  compiler: string;
  sources: Record<string, { content: string }>;
  settings: object;
  imports?: (path: string) => { contents: string } | { error: string };
  /** What else fixes the output besides compiler, settings and sources (the packages imports resolve in). */
  cacheTag?: string;
}

/** Compiles `job` now, with its compiler (loaded here, the only place that loads one). */
export function compileNow(job: CompileJob): CompiledContracts {
  const solc = require(job.compiler) as Solc;
  const input = JSON.stringify({ language: "Solidity", sources: job.sources, settings: job.settings });
  const raw: unknown = JSON.parse(job.imports ? solc.compile(input, { import: job.imports }) : solc.compile(input));
  const errors = solcErrorsSchema.parse(raw).errors?.filter((e) => e.severity === "error") ?? [];
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  const output = solcOutputSchema.parse(raw);
  const compiled: CompiledContracts = {};
  for (const file of Object.values(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(file)) {
      compiled[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
    }
  }
  return compiled;
}

/**
 * A hash of everything that fixes the job's output. The compiler counts by its package's version: solc-js publishes
 * one package version per compiler release, and reading package.json costs nothing where loading solc costs seconds.
 */
export function fingerprint(job: CompileJob): string {
  const { version } = require(`${job.compiler}/package.json`) as { version: string };
  const { sources, settings, cacheTag = "" } = job;
  return createHash("sha256")
    .update(JSON.stringify({ solc: version, settings, sources, ...(cacheTag ? { cacheTag } : {}) }))
    .digest("hex")
    .slice(0, 32);
}

/** The text of a committed build: what `npm run build:contracts` writes and build.test.ts compares. */
export function buildText(job: CompileJob, compiled: CompiledContracts): string {
  return `${JSON.stringify({ fingerprint: fingerprint(job), contracts: compiled })}\n`;
}

export const buildFile = (job: CompileJob): string => join(BUILD_DIR, `${job.name}.json`);

/** Our own contracts (apps/contracts/src). */
export async function ownContractsJob(): Promise<CompileJob> {
  return { name: "contracts", compiler: "solc", sources: await readSources(), settings: SETTINGS };
}

/** Compiled contracts by name, from the committed build while the sources are unchanged. */
export async function compileContracts(cacheDir = DEFAULT_CACHE_DIR): Promise<CompiledContracts> {
  return compiled(await ownContractsJob(), cacheDir);
}

async function readCompiled(file: string, key: string): Promise<CompiledContracts | null> {
  try {
    const build = buildSchema.parse(JSON.parse(await readFile(file, "utf8")));
    return build.fingerprint === key ? build.contracts : null;
  } catch {
    return null;
  }
}

/** The job's output: its committed build if made from these inputs, else compiled once per distinct input and cached. */
export async function compiled(job: CompileJob, cacheDir = DEFAULT_CACHE_DIR): Promise<CompiledContracts> {
  const key = fingerprint(job);
  const committed = await readCompiled(buildFile(job), key);
  if (committed) return committed;
  const file = join(cacheDir, `${key}.json`);
  const cached = await readCompiled(file, key);
  if (cached) return cached;
  const fresh = compileNow(job);
  await mkdir(cacheDir, { recursive: true });
  // Atomic: concurrent test workers may compile at the same time; each renames a complete file into place.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, buildText(job, fresh));
  await rename(tmp, file);
  return fresh;
}
