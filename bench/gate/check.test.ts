import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ArbitrageScanner } from "../../apps/core/index.ts";
import { syntheticMarket } from "../synthetic-market.ts";
import { baselineSchema, compare, formatTable, medianRuns, updatedBaseline, type Baseline } from "./compare.ts";
import { FloatPass } from "./float-pass.ts";
import { timeAgainst } from "./ratio.ts";

const BENCH = fileURLToPath(new URL("../../bin/bench.mjs", import.meta.url));
const COMMITTED = fileURLToPath(new URL("./baseline.json", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "orion-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (value: number, better: "lower" | "higher", tolerance = 0.3) => ({
  value,
  better,
  tolerance,
  description: "test",
});
const baseline: Baseline = {
  note: "test",
  metrics: { "scan.x": entry(10, "lower"), "api.y": entry(0.5, "higher") },
};
const m = (metric: string, value: number) => ({ metric, value, absolute: { ms: 1 } });

describe("the gate's verdict", () => {
  it.each([
    ["lower is better, within tolerance", [m("scan.x", 12.9), m("api.y", 0.5)], [true, true]],
    ["lower is better, beyond tolerance", [m("scan.x", 13.1), m("api.y", 0.5)], [false, true]],
    ["higher is better, within tolerance", [m("scan.x", 10), m("api.y", 0.39)], [true, true]],
    ["higher is better, beyond tolerance", [m("scan.x", 10), m("api.y", 0.38)], [true, false]],
    ["faster than the baseline passes", [m("scan.x", 1), m("api.y", 5)], [true, true]],
    ["a metric that was not measured fails", [m("scan.x", 10)], [true, false]],
    ["a zero (a broken measurement) fails", [m("scan.x", 0), m("api.y", 0.5)], [false, true]],
  ] as const)("%s", (_, measured, oks) => {
    expect(compare(baseline, measured).map((v) => v.ok)).toEqual(oks);
  });

  it("fails a measured metric that has no baseline, so nothing slips in ungated", () => {
    const verdicts = compare(baseline, [m("scan.x", 10), m("api.y", 0.5), m("scan.new", 1)]);
    expect(verdicts.at(-1)).toMatchObject({ metric: "scan.new", ok: false });
  });

  it("prints every ratio with its change, tolerance, verdict and absolute figures", () => {
    const table = formatTable(compare(baseline, [m("scan.x", 15), m("api.y", 0.5)]));
    expect(table).toMatch(/^metric +baseline +measured +change +tolerance +verdict +absolute/);
    expect(table).toMatch(/scan\.x +10 +15 +50\.0% worse +30% +REGRESSION: lower is better, limit 13 +ms=1/);
    expect(table).toMatch(/api\.y +0\.5 +0\.5 +0\.0% better +30% +ok/);
  });

  it("--update-baseline rewrites the measured ratios, stamped, and with --only leaves the other gates' alone", () => {
    const partial = updatedBaseline(baseline, [m("scan.x", 4.56789)], "measured at load 9", ["scan"]);
    expect(partial.note).toBe("test");
    expect(partial.metrics["scan.x"]).toEqual({ ...entry(4.568, "lower"), measured: "measured at load 9" });
    expect(partial.metrics["api.y"]).toEqual(baseline.metrics["api.y"]);
    const full = updatedBaseline(baseline, [m("scan.x", 4), m("api.y", 0.6)], "measured at load 1", null);
    expect(full.note).toBe("measured at load 1");
    expect(full.metrics["api.y"]).toMatchObject({ value: 0.6, measured: "measured at load 1" });
    expect(() => updatedBaseline(baseline, [m("scan.new", 1)], "x", ["scan"])).toThrow(
      /scan\.new: not in the baseline/,
    );
  });

  it("several runs of a gate give each ratio's median run, every run's value beside it", () => {
    const run = (x: number, y: number) => [m("scan.x", x), m("api.y", y)];
    const better = (metric: string) => baseline.metrics[metric]!.better;
    const [x, y] = medianRuns([run(12, 0.5), run(30, 0.1), run(11, 0.6), run(10, 0.7), run(13, 0.55)], better);
    expect(x).toEqual({ metric: "scan.x", value: 12, absolute: { ms: 1, runs: "12/30/11/10/13" } });
    expect(y).toMatchObject({ metric: "api.y", value: 0.55 });
    // An even count judges the worse of the two middle runs, whichever way is better.
    expect(medianRuns([run(10, 0.5), run(12, 0.7)], better).map((v) => v.value)).toEqual([12, 0.5]);
    expect(medianRuns([run(10, 0.5)], better)).toEqual(run(10, 0.5));
  });

  it("the committed baseline is valid and gates every ratio the gates print", () => {
    const committed = baselineSchema.parse(JSON.parse(readFileSync(COMMITTED, "utf8")));
    expect(Object.keys(committed.metrics).sort()).toEqual([
      "api.modeStatus/bareFastify",
      "pipeline.send/chainOnly",
      "scan.block/floatPass",
      "scan.fullScan/floatPass",
    ]);
  });
});

describe("a seeded regression fails the gate", () => {
  it("an injected slowdown of the scan (4x the work) breaks a ratio that passes without it", () => {
    const market = syntheticMarket({ pools: 1000, seed: 1003 });
    const scanner = new ArbitrageScanner({ ...market, maxHops: 3 });
    const floatPass = new FloatPass(scanner.index, market.pools);
    const reference = () => floatPass.run();
    // Warm the JIT first: the float-first sizing paths take a few dozen scans to reach full speed, and a cold first
    // measurement would set a baseline that four scans of warm code stay within.
    timeAgainst(() => scanner.fullScan(), reference, 30);
    const normal = timeAgainst(() => scanner.fullScan(), reference, 15);
    // Generous tolerance, so the unslowed control passes on a busy machine; 4x the work still lands far beyond it.
    const gate: Baseline = { note: "test", metrics: { "scan.fullScan/floatPass": entry(normal.ratio, "lower", 1) } };
    const slowed = timeAgainst(
      () => {
        for (let i = 0; i < 4; i++) scanner.fullScan();
      },
      reference,
      15,
    );
    const again = timeAgainst(() => scanner.fullScan(), reference, 15);
    expect(compare(gate, [m("scan.fullScan/floatPass", again.ratio)])[0]!.ok).toBe(true);
    expect(compare(gate, [m("scan.fullScan/floatPass", slowed.ratio)])[0]!.ok).toBe(false);
  });

  interface Run {
    code: number;
    stdout: string;
    stderr: string;
  }
  const bench = (args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve) => {
      const options = { timeout: 180_000, env: { ...process.env, ...env } };
      execFile(process.execPath, [BENCH, ...args], options, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
      });
    });

  // Its three scan processes took 55 s at load 12.7: the default 60 s would not hold on a busier machine.
  it("npm run bench -- --check against a doctored baseline exits 1 and prints the table", async () => {
    const committed = baselineSchema.parse(JSON.parse(readFileSync(COMMITTED, "utf8")));
    // The scan ratios as if the scan had been ten times faster: today's scan is then a regression.
    const doctored = structuredClone(committed);
    for (const [metric, e] of Object.entries(doctored.metrics)) if (metric.startsWith("scan.")) e.value /= 10;
    const file = join(dir, "doctored.json");
    writeFileSync(file, JSON.stringify(doctored));
    // One run, not the gate's five, to keep the test short: several runs' median is the unit test's above.
    const run = await bench(["--check", "--only", "scan", "--baseline", file], { BENCH_GATE_SCAN_RUNS: "1" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bench --check: scan \(load average/);
    expect(run.stdout).toMatch(/^metric +baseline +measured +change +tolerance +verdict/);
    expect(run.stdout).toMatch(/scan\.fullScan\/floatPass .* REGRESSION: lower is better/);
    expect(run.stdout).toMatch(/scan\.block\/floatPass .* REGRESSION: lower is better/);
    expect(run.stdout).toMatch(/nsPerCycle=/);
    expect(run.stdout).toContain("bench --check: 2 of 2 ratios failed");
  }, 200_000);

  it("a baseline file with a bad field stops with one line and exit 2", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ note: "x", metrics: { "scan.x": { ...entry(1, "lower"), better: "up" } } }));
    const run = await bench(["--check", "--baseline", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^bench --check: .*bad\.json: metrics\.scan\.x\.better: Invalid enum value.*\n$/);
  });

  it("a scan run count that is not a positive whole number stops with exit 2", async () => {
    const run = await bench(["--check", "--only", "scan"], { BENCH_GATE_SCAN_RUNS: "0" });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("bench --check: BENCH_GATE_SCAN_RUNS: not a positive whole number (0)\n");
  });
});
