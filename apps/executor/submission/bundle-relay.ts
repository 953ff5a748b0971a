/**
 * Private submission: each trade is a one-transaction bundle sent with `eth_sendBundle` to the relay the chain
 * profile names, for one target block. Requests are signed with a reputation key of their own (the
 * `X-Flashbots-Signature` header: the key's address and its EIP-191 signature of the body's keccak256 as hex text),
 * never the trading key: a relay ranks senders by that key's history, and it holds no funds.
 */
import { id, toQuantity, Wallet } from "ethers";
import type { Broadcaster } from "./broadcaster.ts";

export interface BundleRelayOptions {
  /** The relay's JSON-RPC endpoint (the chain profile's relayUrl). */
  url: string;
  /** The reputation key's private key (hex). */
  reputationKey: string;
  /** A relay that does not answer within this many ms has refused the bundle. Default 2000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The relay refused the bundle or could not be reached; nothing was handed over. */
export class BundleRefused extends Error {
  override readonly name = "BundleRefused";
}

export function bundleRelay(o: BundleRelayOptions): Broadcaster & { readonly reputation: string } {
  const wallet = new Wallet(o.reputationKey);
  const send = o.fetch ?? fetch;
  let requestId = 0;
  return {
    kind: "bundle",
    expiresWithBlock: true,
    reputation: wallet.address.toLowerCase(),
    async broadcast(raw, targetBlock) {
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: ++requestId,
        method: "eth_sendBundle",
        params: [{ txs: [raw], blockNumber: toQuantity(targetBlock) }],
      });
      const signature = await wallet.signMessage(id(body));
      let res: Response;
      try {
        res = await send(o.url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-flashbots-signature": `${wallet.address}:${signature}` },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 2_000),
        });
      } catch (err) {
        throw new BundleRefused(`relay ${hostOf(o.url)} unreachable: ${(err as Error).message}`, { cause: err });
      }
      const answer = parseAnswer(await res.text());
      if (!res.ok || !answer || answer.error || answer.result === undefined) {
        const why = answer?.error?.message ?? `HTTP ${res.status}`;
        throw new BundleRefused(`relay ${hostOf(o.url)} refused the bundle for block ${targetBlock}: ${why}`);
      }
    },
  };
}

interface RpcAnswer {
  error?: { message?: string };
  result?: unknown;
}

/** The relay's JSON-RPC answer; null when it is not JSON (reported with the HTTP status). */
function parseAnswer(text: string): RpcAnswer | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as RpcAnswer) : null;
  } catch {
    return null;
  }
}

/** The relay's host only: a relay URL may carry an API key in its path or query, which must not reach a log. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
