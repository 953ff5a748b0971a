/**
 * The devnet's JSON-RPC endpoint: HTTP (single requests and batches) and WebSocket (the same, plus `eth_subscribe`
 * notifications) on one port, over the EDR provider the devnet itself uses in-process. Hardhat's own server
 * (`network.createServer`) keeps its provider to itself, so the devnet's traders had to reach it over loopback HTTP,
 * and it reads each body byte by byte: about 0.5 ms of the node's one thread per request beside 0.1-0.4 ms of EDR
 * (bench/MEASUREMENTS.md, the pipeline's fourth pass). Answers follow JSON-RPC 2.0 and Hardhat's error shapes, so
 * ethers, viem and alto see the node they saw before: a revert is code 3 with the raw return data as `data`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Eip1193 } from "./eip1193.ts";

/** What EDR emits for each event of a subscription (Hardhat's "notification" event). */
export interface SubscriptionEvent {
  subscription: string;
  result: unknown;
}

export interface SubscribingProvider extends Eip1193 {
  on(event: "notification", listener: (event: SubscriptionEvent) => void): unknown;
  off(event: "notification", listener: (event: SubscriptionEvent) => void): unknown;
}

export interface JsonRpcServer {
  /** http://HOST:PORT; WebSocket clients use the same port (ws://). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every connection, HTTP and WebSocket alike. */
  close(): Promise<void>;
}

type Id = string | number | null;

interface ErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

type Answer = { jsonrpc: "2.0"; id: Id; result: unknown } | { jsonrpc: "2.0"; id: Id; error: ErrorObject };

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;
/** geth's and anvil's code for a reverted execution; ethers and viem read the revert data from `data` only then. */
const REVERT = 3;

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "OPTIONS, POST",
  "access-control-allow-headers": "*",
};

export async function serveJsonRpc(
  provider: SubscribingProvider,
  o: { host: string; port: number },
): Promise<JsonRpcServer> {
  const http = createServer((req, res) => answerHttp(provider, req, res));
  const wss = new WebSocketServer({ server: http });
  // ws re-emits the HTTP server's errors (EADDRINUSE at listen), which the listen below already rejects with.
  wss.on("error", () => undefined);
  // One listener for every socket: each socket forwards the events of the subscriptions it opened.
  const sockets = new Map<WebSocket, Set<string>>();
  const forward = (event: SubscriptionEvent) => {
    for (const [ws, subscriptions] of sockets) {
      if (subscriptions.has(event.subscription) && ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: event }));
      }
    }
  };
  provider.on("notification", forward);
  wss.on("connection", (ws) => {
    const subscriptions = new Set<string>();
    sockets.set(ws, subscriptions);
    ws.on("message", (data) => void answerWs(provider, ws, data, subscriptions));
    ws.on("close", () => {
      sockets.delete(ws);
      // The node keeps a subscription until told; nobody is left to tell it.
      for (const id of subscriptions) provider.request({ method: "eth_unsubscribe", params: [id] }).catch(() => {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.port, o.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { address, port } = http.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    port,
    async close() {
      provider.off("notification", forward);
      for (const ws of sockets.keys()) ws.terminate();
      const closed = new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      await Promise.all([closed, new Promise<void>((r) => wss.close(() => r()))]);
    },
  };
}

function answerHttp(provider: Eip1193, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === "OPTIONS") {
    res.writeHead(200, CORS).end();
    return;
  }
  // Events, not an async iterator: a request is one or two chunks, and this runs for every one of them.
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("error", () => undefined); // the client went away mid-request: nobody to answer
  req.on("end", () => {
    void answerText(provider, Buffer.concat(chunks).toString("utf8"), null).then(
      (body) => {
        if (body === null) res.writeHead(204, CORS).end();
        else {
          res
            .writeHead(200, { ...CORS, "content-type": "application/json", "content-length": Buffer.byteLength(body) })
            .end(body);
        }
      },
      () => res.destroy(),
    );
  });
}

async function answerWs(provider: Eip1193, ws: WebSocket, data: RawData, subscriptions: Set<string>): Promise<void> {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  const text = bytes.toString("utf8");
  const body = await answerText(provider, text, subscriptions);
  if (body !== null && ws.readyState === ws.OPEN) ws.send(body);
}

/** The answer to a request or batch as text, or null when it held only notifications (no id: no answer). */
async function answerText(provider: Eip1193, text: string, subscriptions: Set<string> | null): Promise<string | null> {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    return JSON.stringify(failure(null, { code: PARSE_ERROR, message: `Parse error: ${(err as Error).message}` }));
  }
  if (!Array.isArray(payload)) {
    const answer = await answerOne(provider, payload, subscriptions);
    return answer === null ? null : JSON.stringify(answer);
  }
  if (payload.length === 0) return JSON.stringify(failure(null, { code: INVALID_REQUEST, message: "Empty batch" }));
  const answers = (await Promise.all(payload.map((p) => answerOne(provider, p, subscriptions)))).filter(
    (a): a is Answer => a !== null,
  );
  return answers.length === 0 ? null : JSON.stringify(answers);
}

async function answerOne(
  provider: Eip1193,
  payload: unknown,
  subscriptions: Set<string> | null,
): Promise<Answer | null> {
  if (typeof payload !== "object" || payload === null) {
    return failure(null, { code: INVALID_REQUEST, message: "Invalid request" });
  }
  const { id, method, params } = payload as { id?: unknown; method?: unknown; params?: unknown };
  const validId = id === undefined || id === null || typeof id === "string" || typeof id === "number";
  if (!validId || typeof method !== "string" || (params !== undefined && !Array.isArray(params))) {
    return failure(validId ? (id ?? null) : null, {
      code: INVALID_REQUEST,
      message: "Invalid request: needs a string method, params as an array, and a string or number id",
    });
  }
  let answer: Answer;
  try {
    const result: unknown = await provider.request({ method, params: (params as unknown[] | undefined) ?? [] });
    answer = { jsonrpc: "2.0", id: id ?? null, result };
    if (subscriptions && typeof result === "string" && method === "eth_subscribe") subscriptions.add(result);
    if (subscriptions && method === "eth_unsubscribe") subscriptions.delete(String((params as unknown[])[0]));
  } catch (err) {
    answer = failure(id ?? null, errorObject(err));
  }
  return id === undefined ? null : answer;
}

function failure(id: Id, error: ErrorObject): Answer {
  return { jsonrpc: "2.0", id, error };
}

/**
 * A thrown provider error as JSON-RPC's error object, as Hardhat's server words it: a revert (code 3) carries its raw
 * return data; any other error its code (internal error when it has none) and its details as an object.
 */
export function errorObject(err: unknown): ErrorObject {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as {
    code?: unknown;
    message?: unknown;
    data?: unknown;
    transactionHash?: unknown;
  };
  const message = typeof e.message === "string" ? e.message : "Internal error";
  const nested = typeof e.data === "object" && e.data !== null ? (e.data as Record<string, unknown>) : null;
  const returnData = typeof e.data === "string" ? e.data : typeof nested?.data === "string" ? nested.data : undefined;
  const code = typeof e.code === "number" && Number.isInteger(e.code) ? e.code : INTERNAL_ERROR;
  if (code === REVERT) return { code, message, ...(returnData === undefined ? {} : { data: returnData }) };
  const txHash =
    typeof e.transactionHash === "string"
      ? e.transactionHash
      : typeof nested?.transactionHash === "string"
        ? nested.transactionHash
        : undefined;
  const reason = typeof nested?.reason === "string" ? nested.reason : undefined;
  return { code, message, data: { message, txHash, data: returnData, reason } };
}
