/**
 * Reads of the same moment as one JSON-RPC batch: one HTTP request to the node instead of one each. On a node that
 * serves requests one at a time (the devnet), each request costs about half a millisecond of HTTP handling beside a
 * tenth for a small call, and the order's simulation waits behind every one of them. Each request is answered or
 * refused on its own, as it would be alone.
 */
import type { JsonRpcApiProvider, JsonRpcError, JsonRpcPayload, JsonRpcResult } from "ethers";

export type BatchAnswer = { ok: true; result: unknown } | { ok: false; error: Error };

export type BatchResponse = JsonRpcResult | JsonRpcError;

/** A way to send reads as one batch: rpcBatch over the provider, or over a faster connection to the same node. */
export type BatchReads = (requests: readonly { method: string; params: unknown[] }[]) => Promise<BatchAnswer[]>;

/**
 * `requests` as one batch, each answered or refused on its own. `send`: the transport, the provider's own by default
 * (its endpoints, failover and timeout); errors are made by the provider whichever carried the batch.
 */
export async function rpcBatch(
  provider: JsonRpcApiProvider,
  requests: readonly { method: string; params: unknown[] }[],
  send: (payloads: JsonRpcPayload[]) => Promise<BatchResponse[]> = (payloads) => provider._send(payloads),
): Promise<BatchAnswer[]> {
  // An empty batch is not a valid JSON-RPC request.
  if (requests.length === 0) return [];
  const payloads: JsonRpcPayload[] = requests.map((r, i) => ({
    id: i + 1,
    jsonrpc: "2.0",
    method: r.method,
    params: r.params,
  }));
  const responses = await send(payloads);
  return payloads.map((p): BatchAnswer => {
    // A batch's answers may come in any order: ids pair them with their requests.
    const res = responses.find((r) => r.id === p.id);
    if (!res) return { ok: false, error: new Error(`${p.method}: no answer in the batch`) };
    if ("error" in res) return { ok: false, error: provider.getRpcError(p, res) };
    return { ok: true, result: res.result };
  });
}

/** The result of a batch's request, or its error thrown. */
export function resultOf(answer: BatchAnswer | undefined): unknown {
  if (!answer) throw new Error("a batch answered fewer requests than it was sent");
  if (!answer.ok) throw answer.error;
  return answer.result;
}

/**
 * A block's log as the pool states read it: the emitting address in lowercase, the topics and data as the node sent
 * them, and the position in the block. An ethers Log has these too (its address checksummed), so a state reads either.
 */
export interface BlockLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly index: number;
}

/**
 * The logs of a batch's eth_getLogs, or its error thrown. Not made into ethers Logs: their checksummed address costs
 * a keccak per log, and the states only compare lowercase addresses (a V3 block carries dozens of logs).
 */
export function logsOf(answer: BatchAnswer | undefined): BlockLog[] {
  const result = resultOf(answer);
  if (!Array.isArray(result)) throw new Error("eth_getLogs: the node answered a non-array");
  return (result as unknown[]).map((raw): BlockLog => {
    const r = raw as Partial<RawLog> | null;
    if (
      typeof r?.address !== "string" ||
      typeof r.data !== "string" ||
      !Array.isArray(r.topics) ||
      typeof r.logIndex !== "string"
    ) {
      throw new Error("eth_getLogs: the node answered a log without address, topics, data or logIndex");
    }
    return { address: r.address.toLowerCase(), topics: r.topics, data: r.data, index: Number(r.logIndex) };
  });
}

/** A log as the node sends it (the fields read here): numbers as hex quantities. */
interface RawLog {
  address: string;
  data: string;
  topics: string[];
  logIndex: string;
}
