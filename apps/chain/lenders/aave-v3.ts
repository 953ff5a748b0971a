/**
 * An Aave V3 market on the devnet from the published @aave/core-v3 bytecode (v1.19.3, the Pool of Aave V3.0.x):
 * the addresses provider, the ACL, the Pool and its configurator behind their proxies (the logic libraries linked
 * into them), and one reserve per asset with its aToken and debt tokens, flash loans enabled, funded by a supply.
 * Only what a flash loan touches is configured: no oracle, no collateral (LTV 0), rates from the zero-rate strategy.
 * Transactions go from an unlocked devnet account under automine, as the rest of the deployment.
 */
import { createRequire } from "node:module";
import { Interface, MaxUint256, ZeroAddress } from "ethers";
import type { JsonFragment } from "ethers";
import { z } from "zod";
import { loadArtifacts } from "../../contracts/index.ts";
import { call, deploy, send } from "../unlocked.ts";
import type { Eip1193 } from "../eip1193.ts";

const ROOT = "@aave/core-v3/artifacts/contracts/";
/** Each contract's build file inside the package. */
const FILES = {
  PoolAddressesProvider: "protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json",
  ACLManager: "protocol/configuration/ACLManager.sol/ACLManager.json",
  Pool: "protocol/pool/Pool.sol/Pool.json",
  PoolConfigurator: "protocol/pool/PoolConfigurator.sol/PoolConfigurator.json",
  AToken: "protocol/tokenization/AToken.sol/AToken.json",
  StableDebtToken: "protocol/tokenization/StableDebtToken.sol/StableDebtToken.json",
  VariableDebtToken: "protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json",
  ZeroReserveInterestRateStrategy: "misc/ZeroReserveInterestRateStrategy.sol/ZeroReserveInterestRateStrategy.json",
  BorrowLogic: "protocol/libraries/logic/BorrowLogic.sol/BorrowLogic.json",
  BridgeLogic: "protocol/libraries/logic/BridgeLogic.sol/BridgeLogic.json",
  EModeLogic: "protocol/libraries/logic/EModeLogic.sol/EModeLogic.json",
  FlashLoanLogic: "protocol/libraries/logic/FlashLoanLogic.sol/FlashLoanLogic.json",
  LiquidationLogic: "protocol/libraries/logic/LiquidationLogic.sol/LiquidationLogic.json",
  PoolLogic: "protocol/libraries/logic/PoolLogic.sol/PoolLogic.json",
  SupplyLogic: "protocol/libraries/logic/SupplyLogic.sol/SupplyLogic.json",
  ConfiguratorLogic: "protocol/libraries/logic/ConfiguratorLogic.sol/ConfiguratorLogic.json",
} as const;
type AaveContract = keyof typeof FILES;

const linkSchema = z.record(z.record(z.array(z.object({ start: z.number().int(), length: z.literal(20) }))));
const buildSchema = z.object({
  abi: z.array(z.record(z.unknown())),
  bytecode: z.string().startsWith("0x"),
  linkReferences: linkSchema,
});

interface AaveArtifact {
  iface: Interface;
  bytecode: string;
  links: z.infer<typeof linkSchema>;
}

function artifact(name: AaveContract): AaveArtifact {
  const json = buildSchema.parse(createRequire(import.meta.url)(ROOT + FILES[name]));
  return { iface: new Interface(json.abi as JsonFragment[]), bytecode: json.bytecode, links: json.linkReferences };
}

/** Writes each library's address over its placeholders, at the byte offsets the build file lists. */
export function link(a: AaveArtifact, libraries: ReadonlyMap<string, string>): string {
  let code = a.bytecode;
  for (const byName of Object.values(a.links)) {
    for (const [name, refs] of Object.entries(byName)) {
      const at = libraries.get(name);
      if (!at) throw new Error(`Aave bytecode needs library ${name}, which is not deployed`);
      for (const { start } of refs) {
        const i = 2 + start * 2;
        code = code.slice(0, i) + at.slice(2).toLowerCase() + code.slice(i + 40);
      }
    }
  }
  if (code.includes("__$")) throw new Error("Aave bytecode still has unlinked library placeholders");
  return code;
}

export interface AaveAsset {
  address: string;
  symbol: string;
  decimals: number;
  /** Supplied by the deployer so that flash loans have something to lend. */
  supply: bigint;
}

export interface DeployedAaveV3 {
  /** The Pool (its proxy): flashLoanSimple's address. */
  pool: string;
  addressesProvider: string;
  /** Flash-loan premium in basis points (FLASHLOAN_PREMIUM_TOTAL). */
  premiumBps: number;
  /** Each reserve's aToken, by asset (lowercase): it holds the reserve's liquidity. */
  aTokens: Record<string, string>;
  /** The block the addresses provider was deployed in. */
  fromBlock: number;
}

/** Aave V3's flash-loan premium on Ethereum mainnet (0.05%), so the devnet prices loans as a real chain does. */
export const AAVE_DEVNET_PREMIUM_BPS = 5;

export async function deployAaveV3(
  chain: Eip1193,
  deployer: string,
  assets: readonly AaveAsset[],
  premiumBps = AAVE_DEVNET_PREMIUM_BPS,
): Promise<DeployedAaveV3> {
  const a = Object.fromEntries(Object.keys(FILES).map((n) => [n, artifact(n as AaveContract)])) as Record<
    AaveContract,
    AaveArtifact
  >;
  const fromBlock = Number(BigInt((await chain.request({ method: "eth_blockNumber" })) as string)) + 1;
  const at = (name: AaveContract, args: unknown[], libraries = new Map<string, string>()) =>
    deploy(chain, deployer, link(a[name], libraries), a[name].iface, args);
  const tx = (to: string, name: AaveContract, fn: string, args: unknown[]) =>
    send(chain, deployer, to, a[name].iface.encodeFunctionData(fn, args));
  const read = async (to: string, name: AaveContract, fn: string, args: unknown[] = []) =>
    a[name].iface.decodeFunctionResult(fn, await call(chain, to, a[name].iface.encodeFunctionData(fn, args)));

  const provider = await at("PoolAddressesProvider", ["orion-devnet", deployer]);
  await tx(provider, "PoolAddressesProvider", "setACLAdmin", [deployer]);
  const acl = await at("ACLManager", [provider]);
  await tx(provider, "PoolAddressesProvider", "setACLManager", [acl]);
  await tx(acl, "ACLManager", "addPoolAdmin", [deployer]);

  const libraries = new Map<string, string>();
  for (const name of ["BorrowLogic", "BridgeLogic", "EModeLogic", "LiquidationLogic", "PoolLogic", "SupplyLogic"]) {
    libraries.set(name, await at(name as AaveContract, []));
  }
  // FlashLoanLogic calls BorrowLogic, so it is linked like the Pool.
  libraries.set("FlashLoanLogic", await at("FlashLoanLogic", [], libraries));
  libraries.set("ConfiguratorLogic", await at("ConfiguratorLogic", []));

  // The provider puts each implementation behind a proxy of its own and initializes it.
  await tx(provider, "PoolAddressesProvider", "setPoolImpl", [await at("Pool", [provider], libraries)]);
  const pool = String((await read(provider, "PoolAddressesProvider", "getPool"))[0]).toLowerCase();
  const configuratorImpl = await at("PoolConfigurator", [], libraries);
  await tx(provider, "PoolAddressesProvider", "setPoolConfiguratorImpl", [configuratorImpl]);
  const configurator = String((await read(provider, "PoolAddressesProvider", "getPoolConfigurator"))[0]).toLowerCase();

  const aTokenImpl = await at("AToken", [pool]);
  const stableImpl = await at("StableDebtToken", [pool]);
  const variableImpl = await at("VariableDebtToken", [pool]);
  const strategy = await at("ZeroReserveInterestRateStrategy", [provider]);
  await tx(configurator, "PoolConfigurator", "initReserves", [
    assets.map((asset) => ({
      aTokenImpl,
      stableDebtTokenImpl: stableImpl,
      variableDebtTokenImpl: variableImpl,
      underlyingAssetDecimals: asset.decimals,
      interestRateStrategyAddress: strategy,
      underlyingAsset: asset.address,
      treasury: deployer,
      incentivesController: ZeroAddress,
      aTokenName: `Aave devnet ${asset.symbol}`,
      aTokenSymbol: `a${asset.symbol}`,
      variableDebtTokenName: `Aave devnet variable debt ${asset.symbol}`,
      variableDebtTokenSymbol: `variableDebt${asset.symbol}`,
      stableDebtTokenName: `Aave devnet stable debt ${asset.symbol}`,
      stableDebtTokenSymbol: `stableDebt${asset.symbol}`,
      params: "0x",
    })),
  ]);
  await tx(configurator, "PoolConfigurator", "updateFlashloanPremiumTotal", [premiumBps]);

  const token = new Interface((await loadArtifacts()).TestToken.abi);
  const aTokens: Record<string, string> = {};
  for (const asset of assets) {
    await tx(configurator, "PoolConfigurator", "setReserveFlashLoaning", [asset.address, true]);
    const reserve = await read(pool, "Pool", "getReserveData", [asset.address]);
    aTokens[asset.address.toLowerCase()] = String(reserve[0].aTokenAddress).toLowerCase();
    await send(chain, deployer, asset.address, token.encodeFunctionData("mint", [deployer, asset.supply]));
    await send(chain, deployer, asset.address, token.encodeFunctionData("approve", [pool, MaxUint256]));
    await tx(pool, "Pool", "supply", [asset.address, asset.supply, deployer, 0]);
    await send(chain, deployer, asset.address, token.encodeFunctionData("approve", [pool, 0n]));
  }
  return { pool, addressesProvider: provider, premiumBps, aTokens, fromBlock };
}
