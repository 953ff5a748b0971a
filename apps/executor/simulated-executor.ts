/**
 * The executor contract as sim mode sees it on a foreign chain: never deployed, owned by an account whose key
 * nobody holds. Its runtime code (with that owner baked in as the immutable) comes from running its creation code in
 * an eth_call; each simulation then injects the code, and the treasury in storage slot 0, by state override.
 */
import { Interface, id, toBeHex, zeroPadValue } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { loadArtifacts } from "../contracts/index.ts";
import type { StateOverride } from "./executor.ts";

/** Addresses derived from a hash: no private key exists for them, so nothing can ever be signed or sent. */
export const SIM_EXECUTOR_CONTRACT = `0x${id("orion.sim.executor-contract").slice(26)}`;
export const SIM_EXECUTOR_ACCOUNT = `0x${id("orion.sim.executor-account").slice(26)}`;
/**
 * ArbExecutor's storage: the owner is immutable (in the code), the callback guard transient; slot 0 is the treasury,
 * slot 1 the operator (the account allowed to call execute()).
 */
const TREASURY_SLOT = toBeHex(0, 32);
const OPERATOR_SLOT = toBeHex(1, 32);

export async function simulatedExecutor(
  provider: JsonRpcApiProvider,
): Promise<{ contract: string; account: string; stateOverride: StateOverride }> {
  const { ArbExecutor } = await loadArtifacts();
  const args = new Interface(ArbExecutor.abi).encodeDeploy([
    SIM_EXECUTOR_ACCOUNT,
    SIM_EXECUTOR_ACCOUNT,
    SIM_EXECUTOR_ACCOUNT,
  ]);
  const code = (await provider.send("eth_call", [{ data: ArbExecutor.bytecode + args.slice(2) }, "latest"])) as string;
  if (!code || code === "0x") throw new Error("the node returned no runtime code for the simulated executor");
  return {
    contract: SIM_EXECUTOR_CONTRACT,
    account: SIM_EXECUTOR_ACCOUNT,
    stateOverride: {
      [SIM_EXECUTOR_CONTRACT]: {
        code,
        stateDiff: {
          [TREASURY_SLOT]: zeroPadValue(SIM_EXECUTOR_ACCOUNT, 32),
          [OPERATOR_SLOT]: zeroPadValue(SIM_EXECUTOR_ACCOUNT, 32),
        },
      },
    },
  };
}
