/**
 * The EOA route: the trade is a transaction from the executor's account, signed here with the next nonce (under the
 * nonce lock), journaled with its hash, then broadcast. Resolution: the receipt by hash, else the nonce taken by
 * another transaction, else gone after the deadline block.
 */
import { keccak256, type JsonRpcApiProvider } from "ethers";
import type { EoaIntent, FinalOutcome, InFlightTrade, Order } from "../../domain/index.ts";
import { gasLimitFor, txFees, type FeePolicy } from "../fee-policy.ts";
import { LeaseLost, type ExecutorLease } from "../lease.ts";
import { NonceManager } from "../nonce-manager.ts";
import type { TradeJournal } from "../ports.ts";
import type { TxSigner } from "../signer.ts";
import { tradeBase } from "./intent.ts";
import { MinedTrades } from "./mined.ts";
import { dropped, type ExecutionRoute, type Prepared, type SendRequest, type SentTrade } from "./route.ts";

export interface EoaRouteDeps {
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  account: string;
  contract: string;
  signer: TxSigner | null;
  mined: MinedTrades;
  fees: FeePolicy;
  tip: bigint;
  /** A fixed gas limit; null: eth_estimateGas plus gasMarginBps. */
  gasLimit: bigint | null;
  gasMarginBps?: number | undefined;
  lease?: Pick<ExecutorLease, "current"> | undefined;
}

/** The node refused the transaction; the trade is recorded as dropped and its nonce is free again. */
export class BroadcastRefused extends Error {
  override readonly name = "BroadcastRefused";
}

export class EoaRoute implements ExecutionRoute {
  readonly kind = "eoa";
  readonly account: string;
  readonly contract: string;
  private readonly nonces: NonceManager;
  private chainId: bigint | undefined;

  constructor(private readonly d: EoaRouteDeps) {
    this.account = d.account.toLowerCase();
    this.contract = d.contract.toLowerCase();
    if (d.signer && d.signer.address !== this.account) {
      throw new Error(`signer ${d.signer.address} is not the executor account ${this.account}`);
    }
    this.nonces = new NonceManager(d.provider, d.journal, this.account);
  }

  get canSign(): boolean {
    return this.d.signer !== null;
  }

  reset(): void {
    this.nonces.reset();
  }

  async prepare(_order: Order, data: string): Promise<Prepared> {
    const gasLimit = await this.estimateGas(data);
    // The trade would revert; the simulation running alongside says why.
    if (gasLimit === null) return { ok: false, reason: "eth_estimateGas failed although the simulation passed" };
    return { ok: true, maxGasCostWei: null, send: (req) => this.send(req, gasLimit) };
  }

  private async estimateGas(data: string): Promise<bigint | null> {
    if (this.d.gasLimit !== null) return this.d.gasLimit;
    try {
      const estimate = await this.d.provider.estimateGas({ from: this.account, to: this.contract, data });
      return gasLimitFor(estimate, this.d.gasMarginBps);
    } catch {
      return null;
    }
  }

  private async send(req: SendRequest, gasLimit: bigint): Promise<SentTrade> {
    const { provider, journal, signer } = this.d;
    if (!signer) throw new Error("the EOA route has no signing key loaded");
    const { id, order, fence, timings } = req;
    const chainId = await this.getChainId();
    return this.nonces.withNonce(async (nonce) => {
      const raw = await signer.signTransaction({
        ...txFees(this.d.fees, req.baseFee, this.d.tip),
        chainId,
        to: this.contract,
        data: req.data,
        nonce,
        gasLimit,
        value: 0n,
      });
      const txHash = keccak256(raw);
      const intent: EoaIntent = {
        ...tradeBase(id, order, "eoa"),
        route: "eoa",
        mode: "live",
        account: this.account,
        nonce,
        txHash,
        deadlineBlock: req.deadlineBlock,
      };
      await journal.recordIntent(intent, fence ?? undefined);
      // The last check before the chain: a lease lost while signing and journaling sends nothing.
      if (fence && this.d.lease?.current()?.token !== fence.token) {
        await journal.markFinal(id, dropped());
        throw new LeaseLost(`trade ${id} not broadcast: the signing lease was lost before the broadcast`);
      }
      try {
        await provider.send("eth_sendRawTransaction", [raw]);
      } catch (err) {
        // A node that refuses a transaction does not hold it; one that merely timed out might.
        if (!(await provider.getTransaction(txHash))) {
          await journal.markFinal(id, dropped());
          throw new BroadcastRefused(`broadcast of trade ${id} refused: ${(err as Error).message}`, { cause: err });
        }
      }
      // Stamped at the broadcast: the journal's status update is bookkeeping, not latency the trade pays.
      timings.sentAt = performance.now();
      await journal.markSent(id, txHash);
      return { intent };
    });
  }

  async poll(trade: InFlightTrade): Promise<FinalOutcome | null> {
    const receipt = await this.d.provider.getTransactionReceipt(eoaHash(trade));
    return receipt ? this.d.mined.outcome(trade, receipt, MinedTrades.wholeTransaction(receipt)) : null;
  }

  async resolve(trade: InFlightTrade): Promise<FinalOutcome | null> {
    const { provider, mined } = this.d;
    const hash = eoaHash(trade);
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return mined.outcome(trade, receipt, MinedTrades.wholeTransaction(receipt));
    const used = await provider.getTransactionCount(trade.account, "latest");
    if (used > trade.nonce) {
      // Mined between the two calls, or the nonce went to another transaction.
      const late = await provider.getTransactionReceipt(hash);
      return late ? mined.outcome(trade, late, MinedTrades.wholeTransaction(late)) : dropped();
    }
    // Unknown to the node after the deadline: even if it surfaced later, the contract would revert it.
    const head = await provider.getBlockNumber();
    if (head > trade.deadlineBlock && !(await provider.getTransaction(hash))) return dropped();
    return null;
  }

  private async getChainId(): Promise<bigint> {
    this.chainId ??= (await this.d.provider.getNetwork()).chainId;
    return this.chainId;
  }
}

function eoaHash(trade: InFlightTrade): string {
  if (trade.route === "erc4337") throw new Error(`trade ${trade.id} is an ERC-4337 trade, not the EOA route's`);
  return trade.txHash;
}
