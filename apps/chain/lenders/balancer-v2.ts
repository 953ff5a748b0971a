/**
 * A Balancer V2 Vault on the devnet, built from its published sources: @balancer-labs/v2-vault 3.0.1 ships Solidity
 * 0.7 and no bytecode, so the Vault is compiled here with solc-js 0.7.6 from npm (the `solc-0.7` alias; no compiler
 * download), imports resolved in the installed packages, and cached like our own contracts. Optimizer runs 200
 * instead of Balancer's 1500: with 0.7.6 the 1500-run runtime is 25,012 bytes, over the 24,576-byte limit; at 200 it
 * is 24,487. The Vault lends whatever it holds (flash loans need no pool), so funding it is a transfer.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Interface } from "ethers";
import type { JsonFragment } from "ethers";
import { cachedCompile, loadArtifacts } from "../../contracts/index.ts";
import type { Solc } from "../../contracts/index.ts";
import { call, deployAt, send } from "../deploy.ts";
import type { Eip1193 } from "../eip1193.ts";

const require = createRequire(import.meta.url);
const VAULT_SOURCE = "@balancer-labs/v2-vault/contracts/Vault.sol";
const PACKAGES = ["@balancer-labs/v2-vault", "@balancer-labs/v2-interfaces", "@balancer-labs/v2-solidity-utils"];

/** The Vault's creation code and ABI, compiled once per machine (then from .orion/artifacts). */
export async function balancerVaultArtifact(): Promise<{ abi: JsonFragment[]; bytecode: string }> {
  const versions = PACKAGES.map((p) => `${p}@${(require(`${p}/package.json`) as { version: string }).version}`);
  const compiled = await cachedCompile({
    solc: require("solc-0.7") as Solc,
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
  });
  const vault = compiled.Vault;
  if (!vault) throw new Error(`${VAULT_SOURCE}: the compiler produced no Vault`);
  return { abi: vault.abi as JsonFragment[], bytecode: vault.bytecode };
}

export interface DeployedBalancerV2 {
  vault: string;
  /** The block the Vault was deployed in. */
  fromBlock: number;
}

/**
 * Deploys the Vault with `deployer` as its authorizer (only governance actions ask it; a flash loan does not) and
 * `weth` as its wrapped native token, no pause window, and funds it with `funding` (token -> amount) by minting.
 */
export async function deployBalancerV2(
  chain: Eip1193,
  deployer: string,
  weth: string,
  funding: ReadonlyMap<string, bigint>,
): Promise<DeployedBalancerV2> {
  const { abi, bytecode } = await balancerVaultArtifact();
  const at = await deployAt(chain, deployer, bytecode, new Interface(abi), [deployer, weth, 0, 0]);
  const token = new Interface((await loadArtifacts()).TestToken.abi);
  for (const [address, amount] of funding) {
    await send(chain, deployer, address, token.encodeFunctionData("mint", [at.address, amount]));
  }
  return { vault: at.address, fromBlock: at.blockNumber };
}

/** The Vault's flash-loan fee (an 18-decimal fraction), from its protocol fees collector. */
export async function balancerFlashFee(chain: Eip1193, vault: string): Promise<bigint> {
  const v = new Interface(["function getProtocolFeesCollector() view returns (address)"]);
  const c = new Interface(["function getFlashLoanFeePercentage() view returns (uint256)"]);
  const [collector] = v.decodeFunctionResult(
    "getProtocolFeesCollector",
    await call(chain, vault, v.encodeFunctionData("getProtocolFeesCollector")),
  );
  const [fee] = c.decodeFunctionResult(
    "getFlashLoanFeePercentage",
    await call(chain, String(collector), c.encodeFunctionData("getFlashLoanFeePercentage")),
  );
  return BigInt(fee);
}
