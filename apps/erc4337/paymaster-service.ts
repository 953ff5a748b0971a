/**
 * The platform's sponsor as an ERC-7677 paymaster web service (`pm_getPaymasterStubData`, `pm_getPaymasterData`),
 * the interface hosted paymasters (Pimlico, Alchemy, Coinbase) speak. The executor then reaches every sponsor the same
 * way, by the chain profile's `paymasterUrl`: this service on the local chain, a hosted one on a public chain. The
 * sponsor's key stays in the process that runs this service; the trading process never holds it.
 *
 * Policy: only operations of the listed smart accounts, for the configured EntryPoint and chain, are sponsored; the
 * paymaster contract checks the signature, so a sponsorship is worth nothing for any other operation anyway.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address, Hex, LocalAccount } from "viem";
import { z } from "zod";
import { sponsorPaymaster } from "./sponsor.ts";

export interface PaymasterServiceOptions {
  paymaster: Hex;
  sponsor: LocalAccount;
  entryPoint: Hex;
  chainId: number;
  /** The smart accounts whose operations this service sponsors (the platform's own). */
  senders: readonly string[];
  /** Milliseconds of the clock the EntryPoint judges validity by (block.timestamp); default this machine's clock. */
  now?: () => number | Promise<number>;
  /** Default 0: any free port on 127.0.0.1. */
  port?: number;
}

export interface PaymasterService {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

const hex = z
  .string()
  .regex(/^0x[0-9a-fA-F]*$/, "must be 0x-prefixed hex")
  .transform((v) => v as Hex);
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x address")
  .transform((v) => v as Address);
const quantity = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,64}$/, "must be a hex quantity")
  .transform((v) => BigInt(v));

/** The v0.7/v0.8 user operation in RPC form, as the ERC-7677 client sends it (signature and paymaster may be absent). */
const rpcUserOperation = z.object({
  sender: address,
  nonce: quantity,
  callData: hex,
  factory: address.nullish(),
  factoryData: hex.nullish(),
  callGasLimit: quantity.optional(),
  verificationGasLimit: quantity.optional(),
  preVerificationGas: quantity.optional(),
  maxFeePerGas: quantity.optional(),
  maxPriorityFeePerGas: quantity.optional(),
});

const request = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number(), z.null()]),
  method: z.string(),
  params: z.tuple([rpcUserOperation, address, quantity]).rest(z.unknown()),
});

/** A JSON-RPC error the caller sees: -32602 for bad params, -32001 for an operation this service will not sponsor. */
class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

async function body(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RpcError(-32600, `request larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const bigintToHex = (v: bigint) => `0x${v.toString(16)}`;

export async function startPaymasterService(o: PaymasterServiceOptions): Promise<PaymasterService> {
  const sponsor = sponsorPaymaster({ paymaster: o.paymaster, sponsor: o.sponsor, ...(o.now ? { now: o.now } : {}) });
  const senders = new Set(o.senders.map((s) => s.toLowerCase()));

  async function answer(raw: unknown): Promise<unknown> {
    const parsed = request.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RpcError(-32602, `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}`);
    }
    const { method, params } = parsed.data;
    if (method !== "pm_getPaymasterStubData" && method !== "pm_getPaymasterData") {
      throw new RpcError(-32601, `method ${method} not supported`);
    }
    const [rpcOp, entryPoint, chainId] = params;
    if (entryPoint.toLowerCase() !== o.entryPoint.toLowerCase()) {
      throw new RpcError(-32001, `entry point ${entryPoint} is not sponsored (only ${o.entryPoint})`);
    }
    if (chainId !== BigInt(o.chainId)) throw new RpcError(-32001, `chain ${chainId} is not sponsored`);
    if (!senders.has(rpcOp.sender.toLowerCase())) {
      throw new RpcError(-32001, `sender ${rpcOp.sender} is not sponsored`);
    }
    const { factory, factoryData, ...rest } = rpcOp;
    const result =
      method === "pm_getPaymasterStubData"
        ? await sponsor.getPaymasterStubData()
        : await sponsor
            .getPaymasterData({
              ...rest,
              ...(factory ? { factory, factoryData: factoryData ?? "0x" } : {}),
              chainId: o.chainId,
              entryPointAddress: o.entryPoint,
            })
            .catch((err: unknown) => {
              // The sponsor signs only final gas fields: a request without them is the caller's mistake.
              throw new RpcError(-32602, (err as Error).message);
            });
    return {
      paymaster: result.paymaster,
      paymasterData: result.paymasterData,
      paymasterVerificationGasLimit: bigintToHex(result.paymasterVerificationGasLimit),
      paymasterPostOpGasLimit: bigintToHex(result.paymasterPostOpGasLimit),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== "POST") return reply(405, { error: "POST a JSON-RPC request" });
    let id: unknown = null;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(await body(req));
      } catch (err) {
        if (err instanceof RpcError) throw err;
        throw new RpcError(-32700, "request is not JSON");
      }
      id = (raw as { id?: unknown } | null)?.id ?? null;
      reply(200, { jsonrpc: "2.0", id, result: await answer(raw) });
    } catch (err) {
      const e = err instanceof RpcError ? err : new RpcError(-32603, "internal error");
      reply(200, { jsonrpc: "2.0", id, error: { code: e.code, message: e.message } });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
