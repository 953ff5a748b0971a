/**
 * The Balancer V2 Vault, built from its published sources: @balancer-labs/v2-vault 3.0.1 ships Solidity 0.7 and no
 * bytecode, so the Vault is compiled with solc-js 0.7.6 from npm (the `solc-0.7` alias; no compiler download),
 * imports resolved in the installed packages, and committed like our own contracts. Optimizer runs 200 instead of
 * Balancer's 1500: with 0.7.6 the 1500-run runtime is 25,012 bytes, over the 24,576-byte limit; at 200 it is 24,487.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { JsonFragment } from "ethers";
import { compiled, type CompileJob } from "./compile.ts";

const require = createRequire(import.meta.url);
const VAULT_SOURCE = "@balancer-labs/v2-vault/contracts/Vault.sol";
const PACKAGES = ["@balancer-labs/v2-vault", "@balancer-labs/v2-interfaces", "@balancer-labs/v2-solidity-utils"];

export function balancerVaultJob(): CompileJob {
  const versions = PACKAGES.map((p) => `${p}@${(require(`${p}/package.json`) as { version: string }).version}`);
  return {
    name: "balancer-v2-vault",
    compiler: "solc-0.7",
    sources: { [VAULT_SOURCE]: { content: readFileSync(require.resolve(VAULT_SOURCE), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { [VAULT_SOURCE]: { Vault: ["abi", "evm.bytecode.object"] } },
    },
    imports: (path) => {
      try {
        return { contents: readFileSync(require.resolve(path), "utf8") };
      } catch (err) {
        return { error: `${path}: ${(err as Error).message}` };
      }
    },
    cacheTag: versions.join(","),
  };
}

/** The Vault's creation code and ABI. */
export async function balancerVaultArtifact(): Promise<{ abi: JsonFragment[]; bytecode: string }> {
  const vault = (await compiled(balancerVaultJob())).Vault;
  if (!vault) throw new Error(`${VAULT_SOURCE}: the compiler produced no Vault`);
  return { abi: vault.abi as JsonFragment[], bytecode: vault.bytecode };
}
