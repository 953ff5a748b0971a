/**
 * The flags `orion discover` and `orion trade` share: `--chain NAME|FILE` and one or more `--rpc URL`. A bad
 * profile or an RPC that is unreachable or on another chain is bad input (exit 2), named in one line.
 */
import type { ChainProfile, FailoverProvider } from "../../chain/index.ts";
import { InputError } from "../errors.ts";
import { orionHome } from "../home.ts";

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function openChain(
  chain: string,
  rpc: string[],
  requestTimeoutMs?: number,
): Promise<{ profile: ChainProfile; provider: FailoverProvider; heads: string[]; file: string }> {
  const { loadChainProfile, connectChain, splitRpcUrls, resolveChainProfile, ProfileError, ChainConnectError } =
    await import("../../chain/index.ts");
  try {
    const file = resolveChainProfile(chain, orionHome());
    const profile = await loadChainProfile(file, orionHome());
    // ws(s) URLs are for new heads only (orion trade subscribes on the first); requests go to the http(s) ones.
    const { requests, heads } = splitRpcUrls(rpc);
    const provider = await connectChain(profile, requests, requestTimeoutMs === undefined ? {} : { requestTimeoutMs });
    return { profile, provider, heads, file };
  } catch (err) {
    if (err instanceof ProfileError || err instanceof ChainConnectError) throw new InputError(err.message);
    throw err;
  }
}
