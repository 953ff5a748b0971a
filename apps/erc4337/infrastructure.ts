/**
 * The ERC-4337 contracts a chain needs before user operations can run, put on a local chain the way they exist on a
 * public one: the deterministic CREATE2 deployer from its pre-signed keyless transaction, EntryPoint v0.8 at its
 * canonical address through that deployer (the published artifact with the published salt), the reference
 * SimpleAccountFactory, and our SponsorPaymaster with a gas deposit. On a real chain the first three already exist;
 * only the paymaster is ours.
 */
import { getCreate2Address, Interface, keccak256, parseEther } from "ethers";
import type { Eip1193 } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { ENTRY_POINT_V08 } from "../domain/env/index.ts";

/** Arachnid's deterministic deployer, the CREATE2 factory every canonical ERC-4337 address is derived from. */
export const CREATE2_DEPLOYER = "0x4e59b44847b379578588920ca78fbf26c0b4956c";
const CREATE2_DEPLOYER_SIGNER = "0x3fab184622dc19b6109349b94811493bf2a45362";
/** Its keyless deployment: pre-EIP-155, 100 gwei x 100k gas, so the signer needs exactly 0.01 ether. */
const CREATE2_DEPLOYER_TX =
  "0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222";

/** EntryPoint v0.8: the address bundlers recognise the version by (the env contract's), and its salt. */
export { ENTRY_POINT_V08 };
const ENTRY_POINT_V08_SALT = "0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9";
const ZERO_SALT = `0x${"0".repeat(64)}`;
/**
 * The reference SimpleAccountFactory for EntryPoint v0.8, where the published artifact lands through the CREATE2
 * deployer with salt 0: the address on public chains, and the default `permissionless` assumes.
 */
export const SIMPLE_ACCOUNT_FACTORY_V08 = "0x13e9ed32155810fdbd067d4522c492d6f68e5944";

export interface AccountAbstractionDeployment {
  entryPoint: string;
  accountFactory: string;
  paymaster: string;
  /** The key whose signature the paymaster requires (public address; the key itself stays with the sponsor). */
  sponsorSigner: string;
}

export interface DeployAccountAbstractionOptions {
  /** An unlocked, funded account that pays for the deployments and the paymaster's deposit. */
  from: string;
  sponsorSigner: string;
  /** Owner of the paymaster's deposit (withdrawals). */
  paymasterOwner: string;
  deposit?: bigint;
}

interface Receipt {
  status: string;
  contractAddress: string | null;
}

async function rpc<T>(chain: Eip1193, method: string, params: unknown[]): Promise<T> {
  return (await chain.request({ method, params })) as T;
}

async function mined(chain: Eip1193, hash: string, what: string): Promise<Receipt> {
  const receipt = await rpc<Receipt | null>(chain, "eth_getTransactionReceipt", [hash]);
  if (receipt === null) throw new Error(`${what}: transaction ${hash} was not mined (deployment needs automine)`);
  if (receipt.status !== "0x1") throw new Error(`${what}: transaction ${hash} reverted`);
  return receipt;
}

async function send(chain: Eip1193, from: string, tx: Record<string, string>, what: string): Promise<Receipt> {
  const hash = await rpc<string>(chain, "eth_sendTransaction", [{ from, gas: "0xe4e1c0", ...tx }]);
  return mined(chain, hash, what);
}

async function hasCode(chain: Eip1193, address: string): Promise<boolean> {
  return (await rpc<string>(chain, "eth_getCode", [address, "latest"])) !== "0x";
}

/** CREATE2 through the deterministic deployer, unless the code is already there (idempotent, like on a public chain). */
async function create2(chain: Eip1193, from: string, salt: string, initCode: string, what: string): Promise<string> {
  const address = getCreate2Address(CREATE2_DEPLOYER, salt, keccak256(initCode)).toLowerCase();
  if (!(await hasCode(chain, address))) {
    await send(chain, from, { to: CREATE2_DEPLOYER, data: salt + initCode.slice(2) }, what);
    if (!(await hasCode(chain, address))) throw new Error(`${what}: no code at ${address} after deployment`);
  }
  return address;
}

export async function deployAccountAbstraction(
  chain: Eip1193,
  o: DeployAccountAbstractionOptions,
): Promise<AccountAbstractionDeployment> {
  if (!(await hasCode(chain, CREATE2_DEPLOYER))) {
    await send(chain, o.from, { to: CREATE2_DEPLOYER_SIGNER, value: `0x${parseEther("0.01").toString(16)}` }, "fund");
    const hash = await rpc<string>(chain, "eth_sendRawTransaction", [CREATE2_DEPLOYER_TX]);
    await mined(chain, hash, "CREATE2 deployer");
  }
  const { EntryPoint, SimpleAccountFactory, SponsorPaymaster } = await loadArtifacts();
  const entryPoint = await create2(chain, o.from, ENTRY_POINT_V08_SALT, EntryPoint.bytecode, "EntryPoint");
  if (entryPoint !== ENTRY_POINT_V08) {
    throw new Error(`EntryPoint landed at ${entryPoint}, not ${ENTRY_POINT_V08}: the artifact is not v0.8's`);
  }
  const factoryInit =
    SimpleAccountFactory.bytecode + new Interface(SimpleAccountFactory.abi).encodeDeploy([entryPoint]).slice(2);
  const accountFactory = await create2(chain, o.from, ZERO_SALT, factoryInit, "SimpleAccountFactory");
  if (accountFactory !== SIMPLE_ACCOUNT_FACTORY_V08) {
    throw new Error(`SimpleAccountFactory landed at ${accountFactory}, not ${SIMPLE_ACCOUNT_FACTORY_V08}`);
  }

  const pm = new Interface(SponsorPaymaster.abi);
  const deployed = await send(
    chain,
    o.from,
    { data: SponsorPaymaster.bytecode + pm.encodeDeploy([entryPoint, o.sponsorSigner, o.paymasterOwner]).slice(2) },
    "SponsorPaymaster",
  );
  if (!deployed.contractAddress) throw new Error("SponsorPaymaster: receipt has no contract address");
  const paymaster = deployed.contractAddress.toLowerCase();
  const deposit = o.deposit ?? parseEther("100");
  await send(
    chain,
    o.from,
    { to: paymaster, data: pm.encodeFunctionData("deposit"), value: `0x${deposit.toString(16)}` },
    "paymaster deposit",
  );
  return { entryPoint, accountFactory, paymaster, sponsorSigner: o.sponsorSigner.toLowerCase() };
}

export interface SmartAccountExecutor {
  /** The owner's SimpleAccount (salt 0), counterfactual until its first user operation deploys it. */
  account: string;
  /** An ArbExecutor whose owner is that account: only its user operations can trade through it. */
  executor: string;
}

/**
 * The executor contract for the ERC-4337 route: ArbExecutor's owner is fixed at deployment (immutable), so the smart
 * account's executor is a contract of its own, owned and operated by the account, beside the EOA's, created for the account's counterfactual address.
 */
export async function deploySmartAccountExecutor(
  chain: Eip1193,
  o: { from: string; owner: string; treasury: string; accountFactory: string },
): Promise<SmartAccountExecutor> {
  const { SimpleAccountFactory, ArbExecutor } = await loadArtifacts();
  const factory = new Interface(SimpleAccountFactory.abi);
  const out = await rpc<string>(chain, "eth_call", [
    { to: o.accountFactory, data: factory.encodeFunctionData("getAddress", [o.owner, 0]) },
    "latest",
  ]);
  const account = (factory.decodeFunctionResult("getAddress", out)[0] as string).toLowerCase();
  const init =
    ArbExecutor.bytecode + new Interface(ArbExecutor.abi).encodeDeploy([account, account, o.treasury]).slice(2);
  const deployed = await send(chain, o.from, { data: init }, "ArbExecutor for the smart account");
  if (!deployed.contractAddress) throw new Error("ArbExecutor for the smart account: receipt has no contract address");
  return { account, executor: deployed.contractAddress.toLowerCase() };
}
