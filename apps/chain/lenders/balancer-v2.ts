/**
 * A Balancer V2 Vault on the devnet, from the build of its published sources (apps/contracts/balancer-vault.ts). The
 * Vault lends whatever it holds (flash loans need no pool), so funding it is a transfer.
 */
import { Interface } from "ethers";
import { balancerVaultArtifact, loadArtifacts } from "../../contracts/index.ts";
import { call, deployAt, send } from "../unlocked.ts";
import type { Eip1193 } from "../eip1193.ts";

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
