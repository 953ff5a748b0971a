/**
 * `orion discover`: every pair of every Uniswap-V2 DEX and every pool of every Uniswap-V3 factory of a chain profile,
 * their tokens' metadata, reserves (V2) or swap state (V3: price, tick, liquidity, initialized ticks near the price)
 * at one block, minus dust pools and tokens whose transfers are taxed or blocked, written as a pool snapshot v1 that
 * `orion scan` reads. Resumable: the state beside the snapshot lets the next run read only what is new.
 */
import type { FailoverProvider, V3PoolRead } from "../chain/index.ts";
import { PoolState, readV3Pool, type ChainProfile, type DexProfile } from "../chain/index.ts";
import type { SnapshotFile, V3PoolEntry } from "../scan/index.ts";
import { v3PoolToEntry } from "../scan/index.ts";
import { writeFileAtomic } from "../files/atomic-write.ts";
import { createChainReads, type ChainReads, type PairRef, type V3PoolRef } from "./chain-reads.ts";
import { judgeToken } from "./token-metadata.ts";
import { judgeTransfers, type TransferVerdict } from "./transfer-verdict.ts";
import { loadState, saveState, type DiscoverState } from "./state.ts";

export interface DiscoverOptions {
  profile: ChainProfile;
  provider: FailoverProvider;
  /** The snapshot file; its state goes beside it. */
  out: string;
  /** A pool must hold at least this many base units of each token. */
  minLiquidity: bigint;
  /** One line of progress at a time (stderr in the CLI). */
  progress: (line: string) => void;
  /** Pairs per lens call. Default 500. */
  lensChunk?: number;
}

export interface DiscoverSummary {
  chain: string;
  chainId: number;
  blockNumber: number;
  out: string;
  /** Whether an earlier run's state was used. */
  resumed: boolean;
  dexes: { name: string; factory: string; pairs: number; newPairs: number; readFrom: "lens" | "logs" }[];
  pools: {
    found: number;
    kept: number;
    belowMinLiquidity: number;
    withBadTokens: number;
    /** Of found and kept, how many are Uniswap-V3 pools. */
    v3Found: number;
    v3Kept: number;
  };
  tokens: {
    found: number;
    kept: number;
    /** Tokens whose decimals() or symbol() answered nonsense. */
    skipped: number;
    taxed: { address: string; symbol: string; taxBps: number }[];
    blocked: { address: string; symbol: string; reason: string }[];
  };
  elapsedMs: number;
}

/** A factory address with no code at the read block: the profile is wrong for this chain. */
export class FactoryError extends Error {
  override readonly name = "FactoryError";
}

const TOKEN_CHUNK = 200;
const PROBE_CONCURRENCY = 8;

export async function discover(o: DiscoverOptions): Promise<{ snapshot: SnapshotFile; summary: DiscoverSummary }> {
  const started = performance.now();
  const { profile, provider } = o;
  const reads = await createChainReads(provider);
  const head = await provider.getBlock("latest");
  if (!head?.hash) throw new Error(`chain ${profile.name}: the node returned no latest block`);
  const block = head.number;

  const previous = await usableState(o.out, profile, provider);
  const state: DiscoverState = previous ?? {
    schema: 1,
    chainId: profile.chainId,
    block: { number: 0, hash: "" },
    factories: {},
    pairs: [],
    tokens: {},
    transfers: {},
  };
  state.v3Pools ??= [];
  const v3Known = state.v3Pools;
  const known = new Set([...state.pairs, ...v3Known].map((p) => p.address));

  // 0. Every factory must exist before anything is read: a wrong profile fails at once, naming the DEX.
  const codes = await Promise.all(profile.dexes.map((d) => provider.getCode(d.factory, block)));
  codes.forEach((code, i) => {
    const dex = profile.dexes[i] as DexProfile;
    if (code === "0x") {
      throw new FactoryError(
        `chain ${profile.name}: dexes[${i}].factory ${dex.factory} (${dex.name}) has no code at block ${block}`,
      );
    }
  });

  // 1. Pairs, DEX by DEX: PairCreated logs since the last run when there was one, else the factory's list.
  const dexSummaries: DiscoverSummary["dexes"] = [];
  for (const dex of profile.dexes) {
    if (dex.protocol === "uniswap-v3") {
      const pools = await newV3PoolsOf(reads, dex, state, block);
      for (const p of pools) {
        if (known.has(p.address)) continue;
        known.add(p.address);
        v3Known.push({ ...p, dex: dex.name });
      }
      const length = (state.factories[dex.factory] ?? 0) + pools.length;
      state.factories[dex.factory] = length;
      dexSummaries.push({
        name: dex.name,
        factory: dex.factory,
        pairs: length,
        newPairs: pools.length,
        readFrom: "logs",
      });
      o.progress(`discover: ${dex.name}: ${length} V3 pools (${pools.length} new, from PoolCreated logs)`);
      continue;
    }
    const { pairs, length, readFrom } = await newPairsOf(reads, dex, state, block, o);
    for (const p of pairs) {
      if (known.has(p.address)) continue;
      known.add(p.address);
      state.pairs.push({ ...p, dex: dex.name });
    }
    state.factories[dex.factory] = length;
    dexSummaries.push({ name: dex.name, factory: dex.factory, pairs: length, newPairs: pairs.length, readFrom });
    o.progress(
      `discover: ${dex.name}: ${length} pairs (${pairs.length} new, from ${readFrom === "logs" ? "PairCreated logs" : "the factory list"})`,
    );
  }

  // 2. Token metadata for tokens not judged before (base tokens too: the snapshot lists them).
  const tokenSet = new Set<string>(profile.baseTokens);
  for (const p of [...state.pairs, ...v3Known]) tokenSet.add(p.token0).add(p.token1);
  const unjudged = [...tokenSet].filter((t) => !(t in state.tokens));
  for (let i = 0; i < unjudged.length; i += TOKEN_CHUNK) {
    const chunk = unjudged.slice(i, i + TOKEN_CHUNK);
    const answers = await reads.tokens(chunk, block);
    chunk.forEach((t, j) => {
      const a = answers[j];
      const judged = a ? judgeToken(a.decimals, a.symbol) : { ok: false as const, reason: "no answer" };
      state.tokens[t] = judged.ok ? { symbol: judged.symbol, decimals: judged.decimals } : { skipped: judged.reason };
    });
    o.progress(`discover: token metadata ${Math.min(i + TOKEN_CHUNK, unjudged.length)}/${unjudged.length}`);
  }
  const meta = (t: string) => {
    const m = state.tokens[t];
    return m && "symbol" in m ? m : null;
  };

  // 3. Reserves of every pair at the same block.
  const feeOf = new Map(profile.dexes.map((d) => [d.name, d.feeBps ?? 0]));
  const poolState = await PoolState.create(
    provider,
    state.pairs.map((p) => ({ ...p, feeBps: feeOf.get(p.dex) ?? 0 })),
    { lensChunk: o.lensChunk ?? 500 },
  );
  o.progress(`discover: reading reserves of ${state.pairs.length} pairs at block ${block}`);
  await poolState.refresh({ number: block, hash: head.hash }, "start");
  const all = poolState.pools();
  const liquid = all.filter(
    (p) => p.reserve0 >= o.minLiquidity && p.reserve1 >= o.minLiquidity && p.reserve0 > 0n && p.reserve1 > 0n,
  );
  const usable = liquid.filter((p) => meta(p.token0) && meta(p.token1));

  // 3b. V3 pools' swap state at the same block; in-range liquidity priced as V2 reserves decides what is dust.
  o.progress(`discover: reading the state of ${v3Known.length} V3 pools at block ${block}`);
  const v3Read: { ref: (typeof v3Known)[number]; state: V3PoolRead }[] = [];
  await forEachLimit(v3Known, PROBE_CONCURRENCY, async (ref) => {
    v3Read.push({ ref, state: await readV3Pool(provider, ref.address, { blockTag: block }) });
  });
  v3Read.sort((a, b) => v3Known.indexOf(a.ref) - v3Known.indexOf(b.ref));
  const v3Liquid = v3Read.filter(({ state: s }) => {
    const virtual0 = (s.liquidity << 96n) / s.sqrtPriceX96;
    const virtual1 = (s.liquidity * s.sqrtPriceX96) >> 96n;
    return s.liquidity > 0n && virtual0 >= o.minLiquidity && virtual1 >= o.minLiquidity;
  });
  const v3Usable = v3Liquid.filter(({ ref }) => meta(ref.token0) && meta(ref.token1));

  // 4. Transfer probes, once per token, through its deepest usable pool.
  const deepest = new Map<string, { pool: string; reserve: bigint }>();
  for (const p of usable) {
    for (const [t, r] of [
      [p.token0, p.reserve0],
      [p.token1, p.reserve1],
    ] as const) {
      const d = deepest.get(t);
      if (!d || r > d.reserve) deepest.set(t, { pool: p.address, reserve: r });
    }
  }
  const toProbe = [...deepest].filter(([t]) => !(t in state.transfers));
  let probed = 0;
  await forEachLimit(toProbe, PROBE_CONCURRENCY, async ([token, { pool, reserve }]) => {
    const amountOut = reserve / 1000n > 0n ? reserve / 1000n : 1n;
    state.transfers[token] = judgeTransfers(await reads.probe(pool, token, amountOut, block));
    probed++;
    if (probed % 100 === 0 || probed === toProbe.length)
      o.progress(`discover: transfer probes ${probed}/${toProbe.length}`);
  });
  const verdict = (t: string): TransferVerdict => state.transfers[t] ?? { kind: "ok" };
  const kept = usable.filter((p) => verdict(p.token0).kind === "ok" && verdict(p.token1).kind === "ok");
  // The probe trades through a V2 pair: a token seen only in V3 pools has no verdict and is left out, not trusted.
  const probedOk = (t: string) => state.transfers[t]?.kind === "ok";
  const v3Kept = v3Usable.filter(({ ref }) => probedOk(ref.token0) && probedOk(ref.token1));

  // 5. The snapshot: kept pools, their tokens and the base tokens that have metadata and clean transfers.
  const keptTokens = new Set<string>();
  for (const p of [...kept, ...v3Kept.map((v) => v.ref)]) keptTokens.add(p.token0).add(p.token1);
  const baseTokens = profile.baseTokens.filter((t) => meta(t) && verdict(t).kind === "ok");
  if (baseTokens.length === 0)
    throw new Error(`chain ${profile.name}: no base token of the profile answers as a usable ERC-20`);
  for (const t of baseTokens) keptTokens.add(t);
  const v3Entries: V3PoolEntry[] = v3Kept.map(({ ref, state: s }) =>
    v3PoolToEntry({ ...ref, tickSpacing: s.tickSpacing, state: s }),
  );
  const snapshot: SnapshotFile = {
    chainId: profile.chainId,
    blockNumber: block,
    tokens: [...keptTokens].sort().map((t) => ({ address: t, ...(meta(t) as { symbol: string; decimals: number }) })),
    baseTokens,
    pools: kept.map((p) => ({
      address: p.address,
      dex: p.dex,
      protocol: "uniswap-v2",
      token0: p.token0,
      token1: p.token1,
      reserve0: p.reserve0.toString(),
      reserve1: p.reserve1.toString(),
      feeBps: p.feeBps,
    })),
  };
  snapshot.pools.push(...v3Entries);
  state.block = { number: block, hash: head.hash };
  // Snapshot first, state second: a crash in between costs a re-read, never a snapshot missing pairs.
  await writeFileAtomic(o.out, JSON.stringify(snapshot, null, 2) + "\n");
  await saveState(o.out, state);

  const readable = [...tokenSet].filter((t) => meta(t));
  const symbolOf = (t: string) => meta(t)?.symbol ?? "?";
  const summary: DiscoverSummary = {
    chain: profile.name,
    chainId: profile.chainId,
    blockNumber: block,
    out: o.out,
    resumed: previous !== null,
    dexes: dexSummaries,
    pools: {
      found: all.length + v3Read.length,
      kept: kept.length + v3Kept.length,
      belowMinLiquidity: all.length - liquid.length + v3Read.length - v3Liquid.length,
      withBadTokens: liquid.length - kept.length + v3Liquid.length - v3Kept.length,
      v3Found: v3Read.length,
      v3Kept: v3Kept.length,
    },
    tokens: {
      found: tokenSet.size,
      kept: keptTokens.size,
      skipped: [...tokenSet].filter((t) => !meta(t)).length,
      taxed: readable.flatMap((t) => {
        const v = verdict(t);
        return v.kind === "taxed" ? [{ address: t, symbol: symbolOf(t), taxBps: v.taxBps }] : [];
      }),
      blocked: readable.flatMap((t) => {
        const v = verdict(t);
        return v.kind === "blocked" ? [{ address: t, symbol: symbolOf(t), reason: v.reason }] : [];
      }),
    },
    elapsedMs: Math.round(performance.now() - started),
  };
  return { snapshot, summary };
}

/** The earlier run's state if it is for this chain and its block is still canonical here; otherwise null. */
async function usableState(
  out: string,
  profile: ChainProfile,
  provider: FailoverProvider,
): Promise<DiscoverState | null> {
  const s = await loadState(out);
  if (!s || s.chainId !== profile.chainId) return null;
  const b = await provider.getBlock(s.block.number);
  return b?.hash === s.block.hash ? s : null;
}

/** A DEX's pairs not in the state yet. With a state: PairCreated logs after its block, checked against the count. */
async function newPairsOf(
  reads: ChainReads,
  dex: DexProfile,
  state: DiscoverState,
  block: number,
  o: DiscoverOptions,
): Promise<{ pairs: PairRef[]; length: number; readFrom: "lens" | "logs" }> {
  const knownCount = state.factories[dex.factory];
  const chunk = o.lensChunk ?? 500;
  if (knownCount !== undefined) {
    const from = Math.max(state.block.number + 1, dex.fromBlock);
    const logged = from <= block ? await reads.pairsCreated(dex.factory, from, block) : [];
    const { length } = await reads.pairs(dex.factory, 0, 0, block);
    // The logs must account for exactly the new pairs; a node that dropped some is caught here.
    if (knownCount + logged.length === length) return { pairs: logged, length, readFrom: "logs" };
    o.progress(
      `discover: ${dex.name}: logs show ${logged.length} new pairs, the factory ${length - knownCount}: re-reading the list`,
    );
    return { pairs: await listPairs(reads, dex, knownCount, length, block, chunk, o), length, readFrom: "lens" };
  }
  const first = await reads.pairs(dex.factory, 0, chunk, block);
  const rest = await listPairs(reads, dex, first.pairs.length, first.length, block, chunk, o);
  return { pairs: [...first.pairs, ...rest], length: first.length, readFrom: "lens" };
}

/**
 * A V3 factory's pools not in the state yet, from its PoolCreated logs: since the state's block, or since the
 * factory's deployment. A V3 factory keeps no list to check the logs' count against, unlike a V2 one.
 */
async function newV3PoolsOf(
  reads: ChainReads,
  dex: DexProfile,
  state: DiscoverState,
  block: number,
): Promise<V3PoolRef[]> {
  const resumed = state.factories[dex.factory] !== undefined;
  const from = resumed ? Math.max(state.block.number + 1, dex.fromBlock) : dex.fromBlock;
  return from <= block ? reads.poolsCreated(dex.factory, from, block) : [];
}

async function listPairs(
  reads: ChainReads,
  dex: DexProfile,
  start: number,
  end: number,
  block: number,
  chunk: number,
  o: DiscoverOptions,
): Promise<PairRef[]> {
  const starts: number[] = [];
  for (let s = start; s < end; s += chunk) starts.push(s);
  const slices: PairRef[][] = new Array(starts.length);
  let done = 0;
  await forEachLimit([...starts.entries()], 4, async ([k, s]) => {
    slices[k] = (await reads.pairs(dex.factory, s, Math.min(end, s + chunk), block)).pairs;
    done++;
    if (done % 10 === 0) o.progress(`discover: ${dex.name}: ${Math.min(end, start + done * chunk)}/${end} pairs`);
  });
  return slices.flat();
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
