/**
 * A small bundle relay and block builder on 127.0.0.1 for the devnet, speaking the relay side of `eth_sendBundle`
 * (Flashbots' JSON-RPC shape and `X-Flashbots-Signature` header): the bundle tests' relay, and `orion dev --relay`'s,
 * so a laptop session submits exactly as the cloud executor does. The devnet must mine on demand (automine off, no
 * interval): the relay builds each block itself.
 *
 * Building block N: the bundles that target N are tried from the highest bid down (the priority fee their
 * transactions pay over their gas limit). A one-transaction bundle (what the executor sends) is first tried without
 * a block: its nonce must be its sender's next and its call must succeed at the head; one that fails is left out
 * without anything mined. A bundle that passes (or has several transactions, which one call cannot try) is applied
 * on a snapshot and the block mined; if any of its transactions is missing from the block or reverted, the snapshot
 * is restored and the bundle is gone without a trace, so it cost its sender nothing. Such a taken-back block was
 * seen by every newHeads subscriber, which the next block at its height shows as a reorg: the try without a block
 * keeps that to a bundle that a mempool transaction paying a higher tip overtook in the block, counted in `takenBack`.
 * The first bundle that lands fills the block (with whatever the public mempool held); when none lands, the block is
 * mined from the mempool alone. Bundles for other blocks wait or expire.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { concat, id, keccak256, toQuantity, Transaction, verifyMessage } from "ethers";
import type { Eip1193 } from "./eip1193.ts";

interface Bundle {
  hash: string;
  /** Who signed the request (the reputation key). */
  signer: string;
  txs: string[];
  txHashes: string[];
  targetBlock: number;
  /** What the bundle pays the block producer at the gas limit, at the base fee it was received at. */
  bid: bigint;
}

export interface BuiltBlock {
  number: number;
  /** The bundle that landed, if one did. */
  included: { hash: string; signer: string; bid: bigint } | null;
  /** Bundles for this block that were tried and reverted (or did not fit), and so were left out at no cost. */
  reverted: string[];
  /** Blocks mined for a bundle and taken back (a reorg to anyone following the heads); see above. */
  takenBack: number;
}

export interface LocalRelay {
  readonly url: string;
  /** Bundles received and still waiting for their block. */
  pending(): number;
  buildBlock(): Promise<BuiltBlock>;
  close(): Promise<void>;
}

class RelayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalRelay(chain: Eip1193): Promise<LocalRelay> {
  const rpc = <T>(method: string, params: unknown[] = []) => chain.request({ method, params }) as Promise<T>;
  const waiting: Bundle[] = [];
  // Accepting a bundle and building a block take turns: a bundle checked against one head joins the waiting list
  // before the next block is built, or that block would pass it by, unseen, while its sender was told it was taken.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(step: () => Promise<T>): Promise<T> => {
    const run = turn.then(step);
    turn = run.catch(() => undefined);
    return run;
  };

  async function accept(req: IncomingMessage, body: string): Promise<{ bundleHash: string }> {
    const header = req.headers["x-flashbots-signature"];
    const [signer, signature] = typeof header === "string" ? header.split(":") : [];
    if (!signer || !signature) throw new RelayError(403, "missing X-Flashbots-Signature");
    let recovered: string;
    try {
      recovered = verifyMessage(id(body), signature);
    } catch {
      throw new RelayError(403, "invalid X-Flashbots-Signature");
    }
    if (recovered.toLowerCase() !== signer.toLowerCase()) throw new RelayError(403, "signature does not match signer");
    let msg: { method?: string; params?: [{ txs?: unknown; blockNumber?: unknown }] };
    try {
      msg = JSON.parse(body) as typeof msg;
    } catch {
      throw new RelayError(400, "the body is not JSON");
    }
    if (msg.method !== "eth_sendBundle") throw new RelayError(400, `method ${String(msg.method)} not supported`);
    const p = msg.params?.[0];
    if (!p || !Array.isArray(p.txs) || p.txs.length === 0 || typeof p.blockNumber !== "string") {
      throw new RelayError(400, "params[0] must be { txs: [raw...], blockNumber: hex }");
    }
    const targetBlock = Number(BigInt(p.blockNumber));
    const txs = p.txs.map((raw) => {
      if (typeof raw !== "string") throw new RelayError(400, "txs must be signed transactions");
      try {
        return Transaction.from(raw);
      } catch {
        throw new RelayError(400, "txs must be signed transactions");
      }
    });
    const txHashes = txs.map((t) => t.hash as string);
    return inTurn(async () => {
      const head = Number(BigInt(await rpc<string>("eth_blockNumber")));
      if (targetBlock <= head) throw new RelayError(400, `block ${targetBlock} is already built`);
      const latest = await rpc<{ baseFeePerGas?: string }>("eth_getBlockByNumber", ["latest", false]);
      const baseFee = BigInt(latest.baseFeePerGas ?? "0x0");
      const bundle: Bundle = {
        hash: keccak256(concat(txHashes)),
        signer: signer.toLowerCase(),
        txs: p.txs as string[],
        txHashes,
        targetBlock,
        bid: txs.reduce((sum, t) => sum + tipOf(t, baseFee) * t.gasLimit, 0n),
      };
      waiting.push(bundle);
      return { bundleHash: bundle.hash };
    });
  }

  /**
   * Whether a one-transaction bundle can land at the head, decided without mining: its nonce is the sender's next and
   * its call succeeds with its gas limit. True for a longer bundle: its later transactions run on state one call
   * cannot give them, so only a mined try tells.
   */
  async function passesAtHead(b: Bundle): Promise<boolean> {
    if (b.txs.length !== 1) return true;
    const t = Transaction.from(b.txs[0] as string);
    if (t.from === null) return false;
    const next = Number(BigInt(await rpc<string>("eth_getTransactionCount", [t.from, "latest"])));
    if (next !== t.nonce) return false;
    try {
      await rpc("eth_call", [
        { from: t.from, to: t.to, data: t.data, value: toQuantity(t.value), gas: toQuantity(t.gasLimit) },
        "latest",
      ]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Applies one bundle on a snapshot and mines: landed when every transaction is in the block and succeeded; else
   * the snapshot is restored, and `taken-back` says a block was mined (and seen) before it was.
   */
  async function tryBundle(b: Bundle): Promise<"landed" | "refused" | "taken-back"> {
    const snapshot = await rpc<string>("evm_snapshot");
    let mined = false;
    try {
      for (const raw of b.txs) await rpc("eth_sendRawTransaction", [raw]);
      await rpc("evm_mine");
      mined = true;
      const receipts = await Promise.all(
        b.txHashes.map((h) => rpc<{ status: string } | null>("eth_getTransactionReceipt", [h])),
      );
      if (receipts.every((r) => r !== null && BigInt(r.status) === 1n)) return "landed";
    } catch {
      // refused by the node (nonce, funds): the bundle does not land
    }
    await rpc("evm_revert", [snapshot]);
    // The devnet's snapshot does not cover its mempool: the bundle's transactions must not linger there.
    for (const h of b.txHashes) await rpc("hardhat_dropTransaction", [h]);
    return mined ? "taken-back" : "refused";
  }

  /** Builds the block after the head: its bundles tried from the highest bid, else the mempool alone. */
  async function buildNext(): Promise<BuiltBlock> {
    const number = Number(BigInt(await rpc<string>("eth_blockNumber"))) + 1;
    const candidates = waiting.filter((b) => b.targetBlock === number).sort((a, b) => (b.bid > a.bid ? 1 : -1));
    // This block's bundles are decided now; bundles for blocks already built are gone.
    for (let i = waiting.length - 1; i >= 0; i--)
      if ((waiting[i] as Bundle).targetBlock <= number) waiting.splice(i, 1);
    const reverted: string[] = [];
    let takenBack = 0;
    const built = (included: BuiltBlock["included"]): BuiltBlock => ({ number, included, reverted, takenBack });
    for (const b of candidates) {
      const tried = (await passesAtHead(b)) ? await tryBundle(b) : "refused";
      if (tried === "landed") return built({ hash: b.hash, signer: b.signer, bid: b.bid });
      if (tried === "taken-back") takenBack++;
      reverted.push(b.hash);
    }
    await rpc("evm_mine");
    return built(null);
  }

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const answer = (status: number, payload: object) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: idOf(body), ...payload }));
      };
      accept(req, body).then(
        (result) => answer(200, { result }),
        (err: unknown) =>
          err instanceof RelayError
            ? answer(err.status, { error: { code: -32000, message: err.message } })
            : answer(500, { error: { code: -32603, message: (err as Error).message } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    pending: () => waiting.length,
    buildBlock: () => inTurn(buildNext),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** The tip per gas a transaction pays over `baseFee`. */
function tipOf(t: Transaction, baseFee: bigint): bigint {
  if (t.type === 2 && t.maxFeePerGas !== null && t.maxPriorityFeePerGas !== null) {
    const room = t.maxFeePerGas - baseFee;
    return room < t.maxPriorityFeePerGas ? (room > 0n ? room : 0n) : t.maxPriorityFeePerGas;
  }
  const price = t.gasPrice ?? 0n;
  return price > baseFee ? price - baseFee : 0n;
}

function idOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { id?: unknown }).id ?? null;
  } catch {
    return null;
  }
}
