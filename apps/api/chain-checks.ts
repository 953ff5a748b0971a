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
  /** The run trades through user operations (`--execution erc4337`): its prerequisites are checked too. */
  userOperations?: UserOperationPrerequisites;
  now?: () => Date;
}

/** What the ERC-4337 route needs on the chain and beside it before a live order can go. */
export interface UserOperationPrerequisites {
  entryPoint: string;
  /** The smart account that sends the operations: the operator of `contract`. */
  account: string;
  /** The ArbExecutor the operations call. */
  contract: string;
  /**
   * The bundler's and the paymaster service's URLs. They carry a hosted provider's API key: never put in a detail.
   * A function, as `orion dev` starts its bundler only when a live session first needs it.
   */
  endpoints: () => Promise<{ bundlerUrl: string; paymasterUrl: string }>;
}

// keccak256("operator()")[0:4]
const OPERATOR_SELECTOR = "0x570ca735";
// keccak256("balanceOf(address)")[0:4]: the EntryPoint's deposit of an account (the paymaster's).
const BALANCE_OF_SELECTOR = "0x70a08231";
/** A bundler or paymaster service slower than this fails its check (the runner's own bound is 3 s for all). */
const ENDPOINT_TIMEOUT_MS = 2000;

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
    executor: () => operatedBy(o.rpc, o.executor.address, o.executor.operator),
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
    ...(o.userOperations ? { erc4337: userOperationChecks(o.rpc, o.chainId, o.userOperations) } : {}),
  };
}

/** The contract has code and `operator()` names the expected account. */
async function operatedBy(rpc: JsonRpc, contract: string, expected: string): Promise<CheckResult> {
  const code = await rpc.request({ method: "eth_getCode", params: [contract, "latest"] });
  if (typeof code !== "string" || code === "0x") return { ok: false, detail: `no contract at ${contract}` };
  const ret = await rpc.request({ method: "eth_call", params: [{ to: contract, data: OPERATOR_SELECTOR }, "latest"] });
  if (typeof ret !== "string" || ret.length < 66) return { ok: false, detail: "operator() did not answer" };
  const operator = `0x${ret.slice(-40)}`.toLowerCase();
  return operator === expected.toLowerCase()
    ? { ok: true, detail: `deployed at ${contract}, operated by ${operator}` }
    : { ok: false, detail: `operated by ${operator}, expected ${expected.toLowerCase()}` };
}

/**
 * The ERC-4337 route's prerequisites, in the order a live operation needs them: the EntryPoint deployed, the smart
 * account operating its ArbExecutor, the bundler answering for that EntryPoint, and the paymaster service sponsoring
 * the account with a paymaster that has a deposit at the EntryPoint to pay from. The first that fails is the detail.
 */
function userOperationChecks(rpc: JsonRpc, chainId: number, u: UserOperationPrerequisites): () => Promise<CheckResult> {
  return async () => {
    const code = await rpc.request({ method: "eth_getCode", params: [u.entryPoint, "latest"] });
    if (typeof code !== "string" || code === "0x") return { ok: false, detail: `no EntryPoint at ${u.entryPoint}` };
    const operated = await operatedBy(rpc, u.contract, u.account);
    if (!operated.ok) return { ok: false, detail: `smart account's executor: ${operated.detail}` };
    const { bundlerUrl, paymasterUrl } = await u.endpoints();
    const supported = await postRpc(bundlerUrl, "bundler", "eth_supportedEntryPoints", []);
    if (!Array.isArray(supported) || !supported.some((e) => String(e).toLowerCase() === u.entryPoint.toLowerCase())) {
      return { ok: false, detail: `the bundler does not serve EntryPoint ${u.entryPoint}` };
    }
    const stub = (await postRpc(paymasterUrl, "paymaster service", "pm_getPaymasterStubData", [
      { sender: u.account, nonce: "0x0", callData: "0x" },
      u.entryPoint,
      `0x${chainId.toString(16)}`,
      {},
    ])) as { paymaster?: unknown } | null;
    const paymaster = typeof stub?.paymaster === "string" ? stub.paymaster.toLowerCase() : null;
    if (paymaster === null || !/^0x[0-9a-f]{40}$/.test(paymaster)) {
      return { ok: false, detail: "the paymaster service named no paymaster" };
    }
    const deposit = hexToBigInt(
      await rpc.request({
        method: "eth_call",
        params: [{ to: u.entryPoint, data: BALANCE_OF_SELECTOR + paymaster.slice(2).padStart(64, "0") }, "latest"],
      }),
      "paymaster deposit",
    );
    if (deposit === 0n) return { ok: false, detail: `paymaster ${paymaster} has no deposit at the EntryPoint` };
    return {
      ok: true,
      detail:
        `EntryPoint ${u.entryPoint.toLowerCase()}, executor ${u.contract.toLowerCase()} operated by smart account ` +
        `${u.account.toLowerCase()}, bundler answers, paymaster ${paymaster} sponsors it (deposit ${deposit} wei)`,
    };
  };
}

/** One JSON-RPC call over HTTP; errors name the service, never its URL (a hosted one's carries an API key). */
async function postRpc(url: string, service: string, method: string, params: unknown[]): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(`the ${service} is unreachable (${(err as Error).name})`);
  }
  const answer = (await res.json().catch(() => null)) as { result?: unknown; error?: { message?: unknown } } | null;
  if (!res.ok || !answer || answer.error || answer.result === undefined) {
    const why = typeof answer?.error?.message === "string" ? answer.error.message : `HTTP ${res.status}`;
    throw new Error(`the ${service} refused ${method}: ${why}`);
  }
  return answer.result;
}
