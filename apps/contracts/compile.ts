/**
 * Compiles apps/contracts/src with the solc npm package, caching the output by a hash of the compiler version, the
 * settings and every source. Artifacts are generated into .orion/artifacts (gitignored) and never edited by hand.
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
const solc = createRequire(import.meta.url)("solc") as Solc;

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCES_DIR = join(here, "src");
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
  solc: Solc;
  sources: Record<string, { content: string }>;
  settings: object;
  imports?: (path: string) => { contents: string } | { error: string };
  /** What else fixes the output besides compiler, settings and sources (the packages imports resolve in). */
  cacheTag?: string;
}

function compileNow(job: CompileJob): CompiledContracts {
  const input = JSON.stringify({ language: "Solidity", sources: job.sources, settings: job.settings });
  const raw: unknown = JSON.parse(
    job.imports ? job.solc.compile(input, { import: job.imports }) : job.solc.compile(input),
  );
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

/** Compiled contracts by name, from the cache when the sources, settings and compiler are unchanged. */
export async function compileContracts(cacheDir = DEFAULT_CACHE_DIR): Promise<CompiledContracts> {
  return cachedCompile({ solc, sources: await readSources(), settings: SETTINGS }, cacheDir);
}

/** Runs a compilation once per distinct input: its output is cached under a hash of everything that fixes it. */
export async function cachedCompile(job: CompileJob, cacheDir = DEFAULT_CACHE_DIR): Promise<CompiledContracts> {
  const { sources, settings, cacheTag = "" } = job;
  const key = createHash("sha256")
    .update(JSON.stringify({ solc: job.solc.version(), settings, sources, ...(cacheTag ? { cacheTag } : {}) }))
    .digest("hex")
    .slice(0, 32);
  const file = join(cacheDir, `${key}.json`);
  try {
    return compiledSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch {
    // Missing or unreadable: compile and (re)write it.
  }
  const compiled = compileNow(job);
  await mkdir(cacheDir, { recursive: true });
  // Atomic: concurrent test workers may compile at the same time; each renames a complete file into place.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(compiled));
  await rename(tmp, file);
  return compiled;
}
