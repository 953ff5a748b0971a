import { routeGas, type FlashSource, type GasModel, type PoolProtocol } from "../domain/index.ts";
import { FLASH_SOURCE_GAS } from "./flash-source.ts";

/**
 * The gas an order was costed with (the orchestrator's GasModel), with the lender the executor chose in place of the
 * dearest one the model counts for a route that must borrow: what the trade may spend and still pay for itself. The
 * EOA route simulates a route it has no estimate of yet within this budget, so that its first trade does not wait
 * for an eth_estimateGas (a binary search that holds the node for tens of milliseconds).
 */
export function gasBudget(protocols: readonly PoolProtocol[], source: FlashSource, model: GasModel): bigint {
  return routeGas(protocols, { ...model, flashLoan: 0n }) + FLASH_SOURCE_GAS[source];
}
