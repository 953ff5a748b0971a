/**
 * Typed loaders for every contract the platform deploys or calls: ours (compiled), and Uniswap V2/V3 and ERC-4337's
 * (published).
 */
import { createRequire } from "node:module";
import type { InterfaceAbi, JsonFragment } from "ethers";
import { z } from "zod";
import { compileContracts } from "./compile.ts";

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

export const OWN_CONTRACTS = [
  "ArbExecutor",
  "TestToken",
  "SimRouter",
  "ReservesLens",
  "V3PoolLens",
  "PairsLens",
  "TokenLens",
  "TransferProbe",
  "QuirkyToken",
  "V3SimRouter",
  "SponsorPaymaster",
] as const;
export type OwnContract = (typeof OWN_CONTRACTS)[number];
/** Published bytecode, by contract name: the path of its build file inside its npm package. */
const PUBLISHED = {
  UniswapV2Factory: "@uniswap/v2-core/build/UniswapV2Factory.json",
  UniswapV2Pair: "@uniswap/v2-core/build/UniswapV2Pair.json",
  UniswapV3Factory: "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
  UniswapV3Pool: "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
  // ERC-4337 v0.8: the exact bytecode the canonical addresses commit to (the local chain deploys it there).
  EntryPoint: "@account-abstraction/contracts/artifacts/EntryPoint.json",
  SimpleAccountFactory: "@account-abstraction/contracts/artifacts/SimpleAccountFactory.json",
} as const;
type PublishedContract = keyof typeof PUBLISHED;
export type Artifacts = Record<OwnContract | PublishedContract, Artifact>;

const publishedBuildSchema = z.object({ abi: z.array(z.record(z.unknown())), bytecode: z.string().min(2) });

function publishedArtifact(name: PublishedContract): Artifact {
  const json = publishedBuildSchema.parse(createRequire(import.meta.url)(PUBLISHED[name]));
  return {
    abi: json.abi as JsonFragment[],
    bytecode: json.bytecode.startsWith("0x") ? json.bytecode : `0x${json.bytecode}`,
  };
}

let loaded: Promise<Artifacts> | undefined;

/**
 * All artifacts; compiles once per process (and once per source change across processes, via the cache). A published
 * one is read from its package on first use: the bots need only ours and Uniswap's, and the image holds only the
 * production dependencies (ERC-4337's contracts, which only the local chain deploys, are a dev dependency).
 */
export function loadArtifacts(): Promise<Artifacts> {
  loaded ??= (async () => {
    const compiled = await compileContracts();
    const artifacts = {} as Artifacts;
    for (const name of OWN_CONTRACTS) {
      const c = compiled[name];
      if (!c) throw new Error(`compiled output lacks contract ${name}`);
      artifacts[name] = { abi: c.abi as JsonFragment[], bytecode: c.bytecode };
    }
    for (const name of Object.keys(PUBLISHED) as PublishedContract[]) {
      let read: Artifact | undefined;
      Object.defineProperty(artifacts, name, { enumerable: true, get: () => (read ??= publishedArtifact(name)) });
    }
    return artifacts;
  })();
  return loaded;
}
