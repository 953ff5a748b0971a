/**
 * `orion discover` on the local chain's profile, which names a Uniswap-V3 factory beside the V2 ones: every V3 pool
 * from the factory's PoolCreated logs, with its swap state at the snapshot's block, and on a second run only the pools
 * created since (an empty one is left out as dust).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FailoverProvider,
  createV3Pool,
  devAccounts,
  devnetProfile,
  eip1193Transport,
  mintV3Position,
  readV3Pool,
  startLocalChain,
} from "../chain/index.ts";
import type { ChainProfile, LocalChain } from "../chain/index.ts";
import { getSqrtRatioAtTick } from "../core/v3/index.ts";
import { parseSnapshot, v3PoolToEntry } from "../scan/index.ts";
import type { SnapshotFile } from "../scan/index.ts";
import { discover } from "./index.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let profile: ChainProfile;
let dir: string;

beforeAll(async () => {
  chain = await startLocalChain({ seed: 5 });
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  profile = devnetProfile(chain.markets, 1000);
  dir = await mkdtemp(join(tmpdir(), "orion-discover-v3-"));
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const out = () => join(dir, "snapshot.json");
const run = () => discover({ profile, provider, out: out(), minLiquidity: 1000n, progress: () => undefined });

/** Every V3 entry equals a fresh read of its pool at the snapshot's block. */
async function expectV3StateAtBlock(snapshot: SnapshotFile): Promise<number> {
  const v3 = snapshot.pools.flatMap((p) => (p.protocol === "uniswap-v3" ? [p] : []));
  const meta = new Map(chain.markets.v3!.pools.map((p) => [p.address, p]));
  for (const entry of v3) {
    const state = await readV3Pool(provider, entry.address, { blockTag: snapshot.blockNumber });
    const known = meta.get(entry.address);
    expect(entry).toEqual(
      v3PoolToEntry({
        address: entry.address,
        dex: "uniswap-v3",
        token0: known?.token0 ?? entry.token0,
        token1: known?.token1 ?? entry.token1,
        tickSpacing: state.tickSpacing,
        state,
      }),
    );
  }
  return v3.length;
}

describe("orion discover with a Uniswap-V3 factory", () => {
  it("lists every V3 pool from PoolCreated logs with its state at the snapshot's block", async () => {
    for (let i = 0; i < 3; i++) {
      await chain.simulator.step();
      await chain.devnet.mine();
    }
    const { snapshot, summary } = await run();
    const v3Dex = summary.dexes.find((d) => d.name === "uniswap-v3");
    expect(v3Dex).toMatchObject({ pairs: chain.markets.v3!.pools.length, readFrom: "logs" });
    expect(summary.pools.v3Found).toBe(chain.markets.v3!.pools.length);
    expect(summary.pools.v3Kept).toBe(chain.markets.v3!.pools.length);
    expect(await expectV3StateAtBlock(snapshot)).toBe(chain.markets.v3!.pools.length);
    expect(summary.pools.kept).toBe(chain.markets.pools.length + chain.markets.v3!.pools.length);

    // The file on disk loads, V3 pools and all.
    const parsed = parseSnapshot(await readFile(out(), "utf8"));
    expect(parsed.v3Pools.map((p) => p.address).sort()).toEqual(chain.markets.v3!.pools.map((p) => p.address).sort());
    expect(parsed.pools).toHaveLength(chain.markets.pools.length);
  }, 120_000);

  it("reads only the pools created since on a second run, and leaves an empty one out", async () => {
    const deployer = devAccounts(1)[0]!.address;
    const v3 = chain.markets.v3!;
    const [weth, usdc] = [v3.pools[0]!.token0, v3.pools[0]!.token1];
    await chain.devnet.setAutomine(true);
    // A new fee tier of a listed pair, with liquidity, and an empty pool of another pair.
    const price = getSqrtRatioAtTick((await readV3Pool(provider, v3.pools[0]!.address)).tick);
    const added = await createV3Pool(chain.devnet.provider, deployer, v3.factory, weth, usdc, 10000, price);
    const tick = (await readV3Pool(provider, added)).tick;
    const base = Math.floor(tick / 200) * 200;
    await mintV3Position(chain.devnet.provider, deployer, v3.router, added, base - 4000, base + 4000, 10n ** 18n);
    const other = v3.pools.find((p) => p.token0 !== weth || p.token1 !== usdc)!;
    const empty = await createV3Pool(
      chain.devnet.provider,
      deployer,
      v3.factory,
      other.token0,
      other.token1,
      10000,
      price,
    );
    await chain.devnet.setAutomine(false);

    const { snapshot, summary } = await run();
    expect(summary.resumed).toBe(true);
    expect(summary.dexes.find((d) => d.name === "uniswap-v3")).toMatchObject({
      pairs: v3.pools.length + 2,
      newPairs: 2,
      readFrom: "logs",
    });
    expect(summary.pools.v3Found).toBe(v3.pools.length + 2);
    expect(summary.pools.v3Kept).toBe(v3.pools.length + 1);
    const addresses = snapshot.pools.map((p) => p.address);
    expect(addresses).toContain(added);
    expect(addresses).not.toContain(empty);
    expect(await expectV3StateAtBlock(snapshot)).toBe(v3.pools.length + 1);
  }, 120_000);
});
