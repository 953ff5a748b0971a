/** Typed loaders for every contract the platform deploys or calls: ours (compiled) and Uniswap V2 (published). */
import { createRequire } from "node:module";
import type { InterfaceAbi, JsonFragment } from "ethers";
import { z } from "zod";
import { compileContracts } from "./compile.ts";

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

export const OWN_CONTRACTS = ["ArbExecutor", "TestToken", "SimRouter", "ReservesLens", "SponsorPaymaster"] as const;
export type OwnContract = (typeof OWN_CONTRACTS)[number];
export type Artifacts = Record<OwnContract | "UniswapV2Factory" | "UniswapV2Pair", Artifact>;

const uniswapBuildSchema = z.object({ abi: z.array(z.record(z.unknown())), bytecode: z.string().min(2) });

function uniswapArtifact(name: "UniswapV2Factory" | "UniswapV2Pair"): Artifact {
  const json = uniswapBuildSchema.parse(createRequire(import.meta.url)(`@uniswap/v2-core/build/${name}.json`));
  return {
    abi: json.abi as JsonFragment[],
    bytecode: json.bytecode.startsWith("0x") ? json.bytecode : `0x${json.bytecode}`,
  };
}

let loaded: Promise<Artifacts> | undefined;

/** All artifacts; compiles once per process (and once per source change across processes, via the cache). */
export function loadArtifacts(): Promise<Artifacts> {
  loaded ??= (async () => {
    const compiled = await compileContracts();
    const own = {} as Record<OwnContract, Artifact>;
    for (const name of OWN_CONTRACTS) {
      const c = compiled[name];
      if (!c) throw new Error(`compiled output lacks contract ${name}`);
      own[name] = { abi: c.abi as JsonFragment[], bytecode: c.bytecode };
    }
    return {
      ...own,
      UniswapV2Factory: uniswapArtifact("UniswapV2Factory"),
      UniswapV2Pair: uniswapArtifact("UniswapV2Pair"),
    };
  })();
  return loaded;
}
