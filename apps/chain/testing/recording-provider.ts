import type { Eip1193 } from "../eip1193.ts";
import { FailoverProvider, eip1193Transport } from "../rpc.ts";

/**
 * A node through a provider that records what it is asked: each request sent, as its methods (a batch as one entry of
 * several). For tests of how many requests a stage makes of the node.
 */
export function recordingProvider(node: Eip1193, requests: string[][], chainId = 31337): FailoverProvider {
  const direct = eip1193Transport("devnet", node);
  return new FailoverProvider(
    [
      {
        name: "recording",
        send: (payloads, timeoutMs) => {
          requests.push(payloads.map((p) => p.method));
          return direct.send(payloads, timeoutMs);
        },
      },
    ],
    { chainId },
  );
}
