/**
 * The route as a process configured by URLs reaches it (`orion trade` from a chain profile, `orion run executor` from
 * its env): the smart account of the owner's key on the canonical v0.8 factory, its operations sponsored by an
 * ERC-7677 paymaster service and sent to a bundler. It checks that the bundler serves this chain and its EntryPoint
 * and that the account is the one expected; it sends nothing: the caller deploys the account (`route.deploy()`, a
 * first, sponsored, empty operation) once every other check has passed.
 */
import type { Hex, LocalAccount } from "viem";
import { ENTRY_POINT_V08, SIMPLE_ACCOUNT_FACTORY_V08 } from "./infrastructure.ts";
import { createSmartAccountRoute, type SmartAccountRoute } from "./smart-account-route.ts";

/** A setting that cannot work; `field` names which (the caller says where it came from: a profile, an env var). */
export class RouteConfigError extends Error {
  override readonly name = "RouteConfigError";

  constructor(
    readonly field: "entryPoint" | "bundlerUrl" | "account",
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectSmartAccountOptions {
  rpcUrl: string;
  bundlerUrl: string;
  paymasterUrl: string;
  chainId: number;
  entryPoint: string;
  /** The smart account's owner (live only): a local key's account, or digestOwner() over the KMS signer. */
  owner: LocalAccount;
  /** The smart account the caller was configured with, if any: a different key's account is refused. */
  expectedAccount?: string;
  /** The bound on every bundler and paymaster call. */
  timeoutMs: number;
}

async function bundlerCall(url: string, method: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(body.error.message ?? "error answer");
  return body.result;
}

/** Which chain and EntryPoints the bundler serves; any failure is a RouteConfigError (never echoing the URL). */
async function checkBundler(o: ConnectSmartAccountOptions): Promise<void> {
  let chainId: unknown;
  let entryPoints: unknown;
  try {
    chainId = await bundlerCall(o.bundlerUrl, "eth_chainId", o.timeoutMs);
    entryPoints = await bundlerCall(o.bundlerUrl, "eth_supportedEntryPoints", o.timeoutMs);
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0];
    throw new RouteConfigError("bundlerUrl", `no ERC-4337 bundler answers there (${reason})`);
  }
  if (typeof chainId !== "string" || Number(BigInt(chainId)) !== o.chainId) {
    throw new RouteConfigError("bundlerUrl", `the bundler serves chain ${String(chainId)}, not ${o.chainId}`);
  }
  const served = Array.isArray(entryPoints) ? entryPoints.map((e) => String(e).toLowerCase()) : [];
  if (!served.includes(o.entryPoint.toLowerCase())) {
    throw new RouteConfigError("bundlerUrl", `the bundler does not serve EntryPoint ${o.entryPoint}`);
  }
}

export async function connectSmartAccount(o: ConnectSmartAccountOptions): Promise<SmartAccountRoute> {
  // The account, its signatures and the sponsorship digest are v0.8's; another EntryPoint would reject them all.
  if (o.entryPoint.toLowerCase() !== ENTRY_POINT_V08) {
    throw new RouteConfigError("entryPoint", `must be EntryPoint v0.8 (${ENTRY_POINT_V08}), the one the route speaks`);
  }
  await checkBundler(o);
  const route = await createSmartAccountRoute({
    rpcUrl: o.rpcUrl,
    bundlerUrl: o.bundlerUrl,
    chainId: o.chainId,
    entryPoint: ENTRY_POINT_V08 as Hex,
    accountFactory: SIMPLE_ACCOUNT_FACTORY_V08 as Hex,
    owner: o.owner,
    sponsorship: { paymasterUrl: o.paymasterUrl },
    bundlerTimeoutMs: o.timeoutMs,
  });
  if (o.expectedAccount && route.address.toLowerCase() !== o.expectedAccount.toLowerCase()) {
    throw new RouteConfigError(
      "account",
      `the owner key's smart account is ${route.address.toLowerCase()}, not ${o.expectedAccount.toLowerCase()}`,
    );
  }
  return route;
}
