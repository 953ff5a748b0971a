import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { getAmountOut } from "../../core/index.ts";
import { TickTable, getSqrtRatioAtTick, v3AmountOut } from "../../core/v3/index.ts";
import { describeFailure } from "../errors.ts";
import { configure, scanCommand, type ScanFlags } from "./scan.ts";

// The cases run in-process through the command's own option parser and body; two run the real CLI end to end.
const ORION = fileURLToPath(new URL("../../../bin/orion.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "orion-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `orion` process: exit code and output as a user or a script sees them. */
function orion(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ORION, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `orion scan ARGS` in this process: commander parses the flags as the CLI does, then the command runs. */
async function scan(...args: string[]): Promise<Run> {
  const command = new Command("scan").exitOverride();
  configure(command);
  let flags: ScanFlags | undefined;
  command.action((parsed: ScanFlags) => void (flags = parsed));
  await command.parseAsync(args, { from: "user" });
  try {
    return { code: 0, ...(await scanCommand(flags!)) };
  } catch (err) {
    const { code, line } = describeFailure(err);
    return { code, stdout: "", stderr: `orion: ${line}\n` };
  }
}

let files = 0;
function write(content: unknown): string {
  const file = join(dir, `snapshot-${++files}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const WETH = "0x" + "C0".repeat(20);
const USDC = "0x" + "a0".repeat(20);
const DAI = "0x" + "6b".repeat(20);
const pool = (n: number, token0: string, token1: string, reserve0: string, reserve1: string, feeBps: number) => ({
  address: "0x" + n.toString(16).padStart(40, "0"),
  dex: "quickswap",
  protocol: "uniswap-v2",
  token0,
  token1,
  reserve0,
  reserve1,
  feeBps,
});

/** WETH/USDC on two DEXes at different prices (a two-pool cycle pays), plus a WETH-USDC-DAI triangle. */
function snapshot() {
  return {
    chainId: 137,
    blockNumber: 4242,
    tokens: [
      { address: WETH, symbol: "WETH", decimals: 18 },
      { address: USDC, symbol: "USDC", decimals: 6 },
      { address: DAI, symbol: "DAI", decimals: 18 },
    ],
    baseTokens: [WETH],
    pools: [
      pool(1, WETH, USDC, "1000000000000000000000", "3000000000000", 30),
      pool(2, WETH, USDC, "500000000000000000000", "1560000000000", 5),
      pool(3, USDC, DAI, "2000000000000", "2000000000000000000000000", 25),
      pool(4, DAI, WETH, "3000000000000000000000000", "1000000000000000000000", 100),
    ],
  };
}

function edit(change: (s: ReturnType<typeof snapshot>) => void): string {
  const s = snapshot();
  change(s);
  return write(s);
}

describe("orion scan: bad input exits 2 with one line naming the field and the reason", () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ["malformed JSON", () => ["--pools", write('{"chainId": 137,')], /: not valid JSON: /],
    [
      "a missing field",
      () => ["--pools", edit((s) => delete (s.pools[1] as Partial<ReturnType<typeof pool>>).reserve1)],
      /: pools\[1\]\.reserve1: required field is missing$/,
    ],
    [
      "a mistyped field",
      () => ["--pools", edit((s) => ((s.pools[0] as Record<string, unknown>).feeBps = "30"))],
      /: pools\[0\]\.feeBps: expected number, got string$/,
    ],
    [
      "a reserve given as a JSON number",
      () => ["--pools", edit((s) => ((s.pools[2] as Record<string, unknown>).reserve0 = 5))],
      /: pools\[2\]\.reserve0: expected string, got number$/,
    ],
    [
      "a negative reserve",
      () => ["--pools", edit((s) => (s.pools[2]!.reserve0 = "-5"))],
      /: pools\[2\]\.reserve0: must be a non-negative integer in base units \(a decimal string\), got "-5"$/,
    ],
    [
      "a non-integer reserve",
      () => ["--pools", edit((s) => (s.pools[3]!.reserve1 = "1.5"))],
      /: pools\[3\]\.reserve1: must be a non-negative integer in base units \(a decimal string\), got "1\.5"$/,
    ],
    [
      "a reserve above 2^112",
      () => ["--pools", edit((s) => (s.pools[0]!.reserve0 = ((1n << 112n) + 1n).toString()))],
      /: pools\[0\]\.reserve0: \d+ exceeds 2\^112, the Uniswap-V2 reserve maximum$/,
    ],
    [
      "an unknown token in a pool",
      () => ["--pools", edit((s) => (s.pools[1]!.token1 = "0x" + "ee".repeat(20)))],
      /: pools\[1\]\.token1: unknown token 0x(ee){20} \(not in tokens\)$/,
    ],
    [
      "a duplicate pool address (in another case)",
      () => ["--pools", edit((s) => (s.pools[2]!.address = s.pools[0]!.address.toUpperCase().replace("0X", "0x")))],
      /: pools\[2\]\.address: duplicate pool address 0x0{39}1 \(also pools\[0\]\)$/,
    ],
    [
      "a fee above 9999",
      () => ["--pools", edit((s) => (s.pools[0]!.feeBps = 10000))],
      /: pools\[0\]\.feeBps: must be an integer 0\.\.9999, got 10000$/,
    ],
    [
      "a negative fee",
      () => ["--pools", edit((s) => (s.pools[3]!.feeBps = -1))],
      /: pools\[3\]\.feeBps: must be an integer 0\.\.9999, got -1$/,
    ],
    [
      "a base token that is not a token",
      () => ["--pools", edit((s) => (s.baseTokens = ["0x" + "12".repeat(20)]))],
      /: baseTokens\[0\]: unknown token 0x(12){20} \(not in tokens\)$/,
    ],
    ["a missing file", () => ["--pools", join(dir, "absent.json")], /absent\.json: cannot read the file \(ENOENT\)$/],
    ["--max-hops 4", () => ["--pools", write(snapshot()), "--max-hops", "4"], /--max-hops: must be 2 or 3, got "4"$/],
    [
      "--min-profit -1",
      () => ["--pools", write(snapshot()), "--min-profit", "-1"],
      /--min-profit: must be a non-negative integer in base units \(wei\), got "-1"$/,
    ],
  ];

  it.each(cases)("%s", async (_name, args, message) => {
    const run = await scan(...args(), "--json");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^orion: /);
    expect(lines[0]).toMatch(message);
  });

  it("through the real CLI: exit 2, nothing on stdout, one line on stderr", async () => {
    const run = await orion("scan", "--pools", write('{"chainId": 137,'), "--json");
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toMatch(/^orion: .*snapshot-\d+\.json: not valid JSON: [^\n]*\n$/);
  });
});

describe("orion scan: output contract", () => {
  it("reports each profitable cycle once, exactly sized, sorted, with stats (--json)", async () => {
    const run = await scan("--pools", write(snapshot()), "--json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out)).toEqual(["blockNumber", "opportunities", "stats"]);
    expect(out.blockNumber).toBe(4242);
    expect(Object.keys(out.stats)).toEqual(["pools", "cycles", "elapsedMs"]);
    expect(out.stats.pools).toBe(4);
    // 2 two-pool cycles (pool 1 <-> pool 2, both orders) + 4 triangles (two WETH/USDC pools, two directions)
    expect(out.stats.cycles).toBe(6);
    expect(typeof out.stats.elapsedMs).toBe("number");
    expect(out.opportunities.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    let previous: bigint | null = null;
    for (const o of out.opportunities) {
      expect(Object.keys(o)).toEqual(["baseToken", "pools", "tokens", "amountIn", "amountOut", "profit"]);
      expect(o.baseToken).toBe(WETH.toLowerCase());
      expect(o.tokens[0]).toBe(o.baseToken);
      expect(o.tokens.at(-1)).toBe(o.baseToken);
      for (const a of [...o.pools, ...o.tokens]) expect(a).toBe(a.toLowerCase());
      for (const f of ["amountIn", "amountOut", "profit"]) expect(o[f]).toMatch(/^[0-9]+$/);
      expect(BigInt(o.profit)).toBe(BigInt(o.amountOut) - BigInt(o.amountIn));
      const key = o.pools.join(",");
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      if (previous !== null) expect(BigInt(o.profit) <= previous).toBe(true);
      previous = BigInt(o.profit);
    }
    // The two-pool cycle buys USDC cheap on pool 2 and sells it on pool 1: check its amounts by hand with V2 math.
    const two = out.opportunities.find((o: { pools: string[] }) => o.pools.length === 2);
    const usdc = getAmountOut(BigInt(two.amountIn), 500n * 10n ** 18n, 1_560_000_000_000n, 5);
    expect(two.pools[0]).toBe("0x" + "2".padStart(40, "0"));
    expect(BigInt(two.amountOut)).toBe(getAmountOut(usdc, 3_000_000_000_000n, 1000n * 10n ** 18n, 30));
  });

  it("--max-hops 2 and --min-profit filter the same scan", async () => {
    const file = write(snapshot());
    const all = JSON.parse((await scan("--pools", file, "--json")).stdout);
    const two = JSON.parse((await scan("--pools", file, "--max-hops", "2", "--json")).stdout);
    expect(two.stats.cycles).toBe(2);
    expect(two.opportunities).toEqual(all.opportunities.filter((o: { pools: string[] }) => o.pools.length === 2));
    const floor = all.opportunities[0].profit;
    const rich = JSON.parse((await scan("--pools", file, "--min-profit", floor, "--json")).stdout);
    expect(rich.opportunities).toEqual([]);
    const below = (BigInt(floor) - 1n).toString();
    const top = JSON.parse((await scan("--pools", file, "--min-profit", below, "--json")).stdout);
    expect(top.opportunities).toEqual([all.opportunities[0]]);
  });

  it("skips a pool with a zero reserve, with a warning on stderr", async () => {
    const run = await scan(
      "--pools",
      edit((s) => (s.pools[1]!.reserve0 = "0")),
      "--json",
    );
    expect(run.code).toBe(0);
    expect(run.stderr.trimEnd()).toMatch(
      /^orion scan: warning: .*: pools\[1\] \(0x0{39}2\) has a zero reserve; skipped$/,
    );
    const out = JSON.parse(run.stdout);
    expect(out.stats.pools).toBe(3);
    for (const o of out.opportunities) expect(o.pools).not.toContain("0x" + "2".padStart(40, "0"));
  });

  it("handles reserves of 2^112 exactly", async () => {
    const max = 1n << 112n;
    const file = edit((s) => {
      s.pools[0] = pool(1, WETH, USDC, max.toString(), max.toString(), 30);
      s.pools[1] = pool(2, WETH, USDC, ((max / 100n) * 97n).toString(), max.toString(), 30);
    });
    const out = JSON.parse((await scan("--pools", file, "--max-hops", "2", "--json")).stdout);
    const o = out.opportunities[0];
    expect(o.pools).toEqual(["0x" + "2".padStart(40, "0"), "0x" + "1".padStart(40, "0")]);
    const mid = getAmountOut(BigInt(o.amountIn), (max / 100n) * 97n, max, 30);
    expect(BigInt(o.amountOut)).toBe(getAmountOut(mid, max, max, 30));
    expect(BigInt(o.amountIn) > 10n ** 30n).toBe(true);
  });

  it("through the real CLI: a table for people, and the bundled sample scans", async () => {
    const run = await orion(
      "scan",
      "--pools",
      fileURLToPath(new URL("../../../examples/snapshot.sample.json", import.meta.url)),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ *# +base +route +amount in +profit +pools/);
    expect(run.stdout).toMatch(/WETH > \w+ > \w+ > WETH/);
    expect(run.stdout).toMatch(/block 65432100: \d+ profitable of \d+ cycles over 40 pools, scanned in [\d.]+ ms/);
  });
});

describe("orion scan: Uniswap-V3 pools", () => {
  const L = 10n ** 21n;
  /** A V3 WETH/DAI pool at price 1 (tick 0) with one position over +-600 ticks. */
  const v3 = (over: Record<string, unknown> = {}) => ({
    address: "0x" + "3c".repeat(20),
    dex: "uniswap-v3",
    protocol: "uniswap-v3",
    token0: WETH < DAI ? WETH : DAI,
    token1: WETH < DAI ? DAI : WETH,
    feePips: 500,
    tickSpacing: 10,
    sqrtPriceX96: getSqrtRatioAtTick(0).toString(),
    tick: 0,
    liquidity: L.toString(),
    tickWords: { from: -1, to: 0 },
    ticks: [
      { tick: -600, liquidityNet: L.toString(), liquidityGross: L.toString() },
      { tick: 600, liquidityNet: (-L).toString(), liquidityGross: L.toString() },
    ],
    ...over,
  });
  /** The V3 pool beside a WETH/DAI V2 pair priced 2% away: a two-pool mixed cycle pays. */
  const mixed = (over: Record<string, unknown> = {}) => ({
    ...snapshot(),
    pools: [pool(5, WETH, DAI, "1000000000000000000000", "1020000000000000000000", 30), v3(over)],
  });

  it("sizes mixed cycles exactly and names their protocols; stats count the V3 pool", async () => {
    const run = await scan("--pools", write(mixed()), "--json");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const out = JSON.parse(run.stdout);
    expect(out.stats.pools).toBe(2);
    expect(out.opportunities).toHaveLength(1);
    const o = out.opportunities[0];
    // WETH into the V2 pair (1.02 DAI per WETH there), the DAI back through the V3 pool at price 1.
    expect(o.pools).toEqual(["0x" + "5".padStart(40, "0"), "0x" + "3c".repeat(20)]);
    expect(o.protocols).toEqual(["uniswap-v2", "uniswap-v3"]);
    const state = {
      sqrtPriceX96: getSqrtRatioAtTick(0),
      tick: 0,
      liquidity: L,
      feePips: 500,
      ticks: new TickTable(
        10,
        [
          { tick: -600, liquidityNet: L, liquidityGross: L },
          { tick: 600, liquidityNet: -L, liquidityGross: L },
        ],
        -1,
        0,
      ),
    };
    const route = (x: bigint) =>
      v3AmountOut(state, DAI < WETH, getAmountOut(x, 1000n * 10n ** 18n, 1020n * 10n ** 18n, 30))!;
    expect(BigInt(o.amountOut)).toBe(route(BigInt(o.amountIn)));
    expect(BigInt(o.profit)).toBe(BigInt(o.amountOut) - BigInt(o.amountIn));
    // Its size is proven (no unproven marker) and no input nearby earns more.
    expect(o.unproven).toBeUndefined();
    expect(out.stats.unproven).toBeUndefined();
    for (const x of [BigInt(o.amountIn) - 1n, BigInt(o.amountIn) + 1n, (BigInt(o.amountIn) * 1001n) / 1000n]) {
      expect(route(x) - x <= BigInt(o.profit)).toBe(true);
    }
  });

  it.each([
    ["a tick off the spacing", { tick: 5 }, /: pools\[1\]\.tick: 5 does not match sqrtPriceX96 \(its tick is 0\)$/],
    [
      "a price outside the V3 range",
      { sqrtPriceX96: "1" },
      /: pools\[1\]\.sqrtPriceX96: 1 is outside the V3 price range/,
    ],
    ["a fee tier given as a string", { feePips: "500" }, /: pools\[1\]\.feePips: expected number, got string$/],
    [
      "an initialized tick outside the words read",
      { tickWords: { from: 0, to: 0 } },
      /: pools\[1\]\.ticks\[0\]\.tick: -600 lies outside tickWords 0\.\.0$/,
    ],
  ])("bad V3 input (%s) exits 2 with one line naming the field", async (_name, over, message) => {
    const run = await scan("--pools", write(mixed(over)), "--json");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr.trimEnd()).toMatch(message);
  });
});
