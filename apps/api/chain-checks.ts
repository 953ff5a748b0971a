import type { ChainChecks, CheckResult } from "./preflight.ts";

/** Any EIP-1193 JSON-RPC surface: the devnet in-process, or a client of the platform's RPC endpoints. */
export interface JsonRpc {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface ChainCheckOptions {
  rpc: JsonRpc;
  chainId: number;
  /** The head block must be at most this old (a stalled node is not "current"). */
  maxHeadAgeSeconds: number;
  /** The executor contract and the account that must be its operator (the one allowed to send trades). */
  executor: { address: string; operator: string };
  /** Resolves the signing account's address through the signer itself (KMS or devnet key): proves it is reachable. */
  signer: { address: () => Promise<string>; minBalanceWei: bigint };
  now?: () => Date;
}

// keccak256("operator()")[0:4]
const OPERATOR_SELECTOR = "0x570ca735";

const hexToBigInt = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]*$/.test(v)) throw new Error(`${what}: not a hex quantity`);
  return BigInt(v === "0x" ? "0x0" : v);
};

/** The chain-side pre-flight checks, from raw JSON-RPC so they hold for any provider `orion dev` or the cloud uses. */
export function createChainChecks(o: ChainCheckOptions): ChainChecks {
  const now = o.now ?? (() => new Date());
  return {
    async rpc(): Promise<CheckResult> {
      const chainId = Number(hexToBigInt(await o.rpc.request({ method: "eth_chainId" }), "eth_chainId"));
      if (chainId !== o.chainId) return { ok: false, detail: `connected to chain ${chainId}, expected ${o.chainId}` };
      const head = (await o.rpc.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
        number?: string;
        timestamp?: string;
      } | null;
      if (!head) return { ok: false, detail: "no head block" };
      const number = hexToBigInt(head.number, "block number");
      const age = Math.floor(now().getTime() / 1000) - Number(hexToBigInt(head.timestamp, "block timestamp"));
      return age <= o.maxHeadAgeSeconds
        ? { ok: true, detail: `chain ${chainId}, head ${number}, ${Math.max(age, 0)} s old` }
        : { ok: false, detail: `head ${number} is ${age} s old (max ${o.maxHeadAgeSeconds} s): node stalled` };
    },
    async executor(): Promise<CheckResult> {
      const code = await o.rpc.request({ method: "eth_getCode", params: [o.executor.address, "latest"] });
      if (typeof code !== "string" || code === "0x")
        return { ok: false, detail: `no contract at ${o.executor.address}` };
      const ret = await o.rpc.request({
        method: "eth_call",
        params: [{ to: o.executor.address, data: OPERATOR_SELECTOR }, "latest"],
      });
      if (typeof ret !== "string" || ret.length < 66) return { ok: false, detail: "operator() did not answer" };
      const operator = `0x${ret.slice(-40)}`.toLowerCase();
      return operator === o.executor.operator.toLowerCase()
        ? { ok: true, detail: `deployed at ${o.executor.address}, operated by ${operator}` }
        : { ok: false, detail: `operated by ${operator}, expected ${o.executor.operator.toLowerCase()}` };
    },
    async signer(): Promise<CheckResult> {
      const address = (await o.signer.address()).toLowerCase();
      const balance = hexToBigInt(
        await o.rpc.request({ method: "eth_getBalance", params: [address, "latest"] }),
        "balance",
      );
      return balance >= o.signer.minBalanceWei
        ? { ok: true, detail: `${address} reachable, balance ${balance} wei` }
        : { ok: false, detail: `${address} holds ${balance} wei, needs at least ${o.signer.minBalanceWei}` };
    },
  };
}
