/** Transactions from unlocked devnet accounts under automine: how the devnet's world is deployed and seeded. */
import type { Interface } from "ethers";
import type { Eip1193 } from "./eip1193.ts";

interface Receipt {
  status: string;
  contractAddress: string | null;
  blockNumber: string;
}

/** Sends from an unlocked devnet account and returns the receipt; needs automine, which deployment runs under. */
export async function send(chain: Eip1193, from: string, to: string | null, data: string): Promise<Receipt> {
  const hash = (await chain.request({
    method: "eth_sendTransaction",
    params: [{ from, ...(to === null ? {} : { to }), data, gas: "0x989680" }],
  })) as string;
  const receipt = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as Receipt | null;
  if (receipt === null) throw new Error(`transaction ${hash} was not mined: deployment needs automine on`);
  if (receipt.status !== "0x1") throw new Error(`transaction ${hash} from ${from} reverted`);
  return receipt;
}

export async function deployAt(chain: Eip1193, from: string, bytecode: string, iface: Interface, args: unknown[]) {
  const receipt = await send(chain, from, null, bytecode + iface.encodeDeploy(args).slice(2));
  if (!receipt.contractAddress) throw new Error("deployment receipt has no contract address");
  return { address: receipt.contractAddress.toLowerCase(), blockNumber: Number(BigInt(receipt.blockNumber)) };
}

export async function deploy(chain: Eip1193, from: string, bytecode: string, iface: Interface, args: unknown[]) {
  return (await deployAt(chain, from, bytecode, iface, args)).address;
}

export async function call(chain: Eip1193, to: string, data: string): Promise<string> {
  return (await chain.request({ method: "eth_call", params: [{ to, data }, "latest"] })) as string;
}
