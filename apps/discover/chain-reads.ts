/**
 * The reads discovery makes, each one eth_call pinned to one block: slices of a factory's pairs (PairsLens), token
 * metadata (TokenLens), PairCreated logs since the last run, a V3 factory's PoolCreated logs, and the transfer probe (TransferProbe's runtime code
 * injected by a state override, so nothing is deployed and nothing changes).
 */
import { AbiCoder, Interface, getAddress, id, toBeHex } from "ethers";
import type { JsonRpcApiProvider } from "ethers";
import { loadArtifacts } from "../contracts/index.ts";

export const PAIR_CREATED_TOPIC = id("PairCreated(address,address,address,uint256)");
/** Uniswap-V3: PoolCreated(token0 indexed, token1 indexed, fee indexed, tickSpacing, pool). */
export const POOL_CREATED_TOPIC = id("PoolCreated(address,address,uint24,int24,address)");
/** Where the probe's code is injected: an address no real account has (a hash, not a key). */
export const PROBE_ADDRESS = getAddress(`0x${id("orion.transfer-probe").slice(26)}`).toLowerCase();

const abi = AbiCoder.defaultAbiCoder();

export interface PairRef {
  address: string;
  token0: string;
  token1: string;
}

export interface V3PoolRef extends PairRef {
  feePips: number;
  tickSpacing: number;
}

export interface ChainReads {
  /** Pairs [start, end) of a factory at `block`, and the factory's pair count there. */
  pairs(factory: string, start: number, end: number, block: number): Promise<{ length: number; pairs: PairRef[] }>;
  /** Raw decimals() and symbol() answers per token ("0x" when the call failed). */
  tokens(tokens: string[], block: number): Promise<{ decimals: string; symbol: string }[]>;
  /** Pairs a factory created in blocks [from, to], in creation order. */
  pairsCreated(factory: string, from: number, to: number): Promise<PairRef[]>;
  /** Pools a Uniswap-V3 factory created in blocks [from, to], in creation order (the factory keeps no list). */
  poolsCreated(factory: string, from: number, to: number): Promise<V3PoolRef[]>;
  probe(pair: string, token: string, amountOut: bigint, block: number): Promise<ProbeOutcome>;
}

export type ProbeOutcome =
  | {
      kind: "measured";
      amountOut: bigint;
      received: bigint;
      forwardSent: bigint;
      forwarded: bigint;
      forwardOk: boolean;
      returnSent: bigint;
      returned: bigint;
      returnOk: boolean;
    }
  /** The pool itself could not send the token (its transfer reverted): the revert, as the node reported it. */
  | { kind: "reverted"; reason: string };

/** Blocks per eth_getLogs request: public endpoints commonly cap a range at 10k blocks or fewer. */
const LOG_RANGE = 5_000;

export async function createChainReads(provider: JsonRpcApiProvider): Promise<ChainReads> {
  const artifacts = await loadArtifacts();
  const pairsLens = new Interface(artifacts.PairsLens.abi);
  const tokenLens = new Interface(artifacts.TokenLens.abi);
  const probeIface = new Interface(artifacts.TransferProbe.abi);
  // The probe's runtime code is what its creation code returns: ask the node once, nothing is deployed.
  let probeCode: Promise<string> | undefined;
  const runtimeOfProbe = () =>
    (probeCode ??= provider.send("eth_call", [
      { data: artifacts.TransferProbe.bytecode },
      "latest",
    ]) as Promise<string>);
  const at = (block: number) => toBeHex(block);

  return {
    async pairs(factory, start, end, block) {
      const data = artifacts.PairsLens.bytecode + pairsLens.encodeDeploy([factory, start, end]).slice(2);
      const raw = (await provider.send("eth_call", [{ data }, at(block)])) as string;
      const [, length, pairs, token0s, token1s] = abi.decode(
        ["uint256", "uint256", "address[]", "address[]", "address[]"],
        raw,
      ) as unknown as [bigint, bigint, string[], string[], string[]];
      return {
        length: Number(length),
        pairs: pairs.map((p, i) => ({
          address: p.toLowerCase(),
          token0: (token0s[i] as string).toLowerCase(),
          token1: (token1s[i] as string).toLowerCase(),
        })),
      };
    },

    async tokens(tokens, block) {
      const data = artifacts.TokenLens.bytecode + tokenLens.encodeDeploy([tokens]).slice(2);
      const raw = (await provider.send("eth_call", [{ data }, at(block)])) as string;
      const [decimals, symbols] = abi.decode(["bytes[]", "bytes[]"], raw) as unknown as [string[], string[]];
      return tokens.map((_, i) => ({ decimals: decimals[i] ?? "0x", symbol: symbols[i] ?? "0x" }));
    },

    async pairsCreated(factory, from, to) {
      return (await logsOf(provider, factory, PAIR_CREATED_TOPIC, from, to)).map((log) => ({
        address: (abi.decode(["address", "uint256"], log.data)[0] as string).toLowerCase(),
        token0: topicAddress(log.topics[1]),
        token1: topicAddress(log.topics[2]),
      }));
    },

    async poolsCreated(factory, from, to) {
      return (await logsOf(provider, factory, POOL_CREATED_TOPIC, from, to)).map((log) => {
        const [tickSpacing, pool] = abi.decode(["int24", "address"], log.data) as unknown as [bigint, string];
        return {
          address: pool.toLowerCase(),
          token0: topicAddress(log.topics[1]),
          token1: topicAddress(log.topics[2]),
          feePips: Number(BigInt(log.topics[3] as string)),
          tickSpacing: Number(tickSpacing),
        };
      });
    },

    async probe(pair, token, amountOut, block) {
      const code = await runtimeOfProbe();
      const data = probeIface.encodeFunctionData("probe", [pair, token, amountOut]);
      try {
        await provider.send("eth_call", [{ to: PROBE_ADDRESS, data }, at(block), { [PROBE_ADDRESS]: { code } }]);
      } catch (err) {
        const revert = (err as { data?: unknown }).data;
        if (typeof revert !== "string") throw err; // the node failed, not the token
        const parsed = (() => {
          try {
            return probeIface.parseError(revert);
          } catch {
            return null;
          }
        })();
        if (parsed?.name !== "ProbeResult") return { kind: "reverted", reason: describe(revert) };
        const [amount, received, forwardSent, forwarded, forwardOk, returnSent, returned, returnOk] = parsed.args;
        return {
          kind: "measured",
          amountOut: BigInt(amount),
          received: BigInt(received),
          forwardSent: BigInt(forwardSent),
          forwarded: BigInt(forwarded),
          forwardOk: Boolean(forwardOk),
          returnSent: BigInt(returnSent),
          returned: BigInt(returned),
          returnOk: Boolean(returnOk),
        };
      }
      return { kind: "reverted", reason: "the probe returned instead of reverting with its measurements" };
    },
  };
}

/** One event of one contract over blocks [from, to], in LOG_RANGE slices. */
async function logsOf(provider: JsonRpcApiProvider, address: string, topic: string, from: number, to: number) {
  const logs = [];
  for (let lo = from; lo <= to; lo += LOG_RANGE) {
    const hi = Math.min(to, lo + LOG_RANGE - 1);
    logs.push(...(await provider.getLogs({ address, topics: [topic], fromBlock: lo, toBlock: hi })));
  }
  return logs;
}

function topicAddress(topic: string | undefined): string {
  return `0x${(topic as string).slice(26)}`.toLowerCase();
}

/** A revert's Error(string) text, or its raw selector. */
function describe(revert: string): string {
  if (revert.startsWith("0x08c379a0")) {
    try {
      return String(abi.decode(["string"], `0x${revert.slice(10)}`)[0]);
    } catch {
      // fall through to the raw form
    }
  }
  return revert === "0x" ? "reverted without data" : `reverted with ${revert.slice(0, 10)}`;
}
