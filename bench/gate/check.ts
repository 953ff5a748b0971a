/**
 * `npm run bench -- --check [--only scan,api,pipeline] [--baseline FILE] [--update-baseline]`: runs each
 * bench/gate/*.gate.ts in a process of its own (the scan gate in five, judged by their median: see RUNS), compares
 * the ratios they print with the baseline, prints the table and exits 1 on a regression beyond a metric's tolerance
 * (2 for bad arguments or a bad baseline file).
 * --update-baseline writes this run's ratios into the baseline file instead of judging them (with --only, just those
 * gates' ratios; the others stay as they were).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  baselineSchema,
  compare,
  formatTable,
  medianRuns,
  updatedBaseline,
  type Baseline,
  type Measurement,
} from "./compare.ts";

const DIR = fileURLToPath(new URL("./", import.meta.url));

/**
 * Fresh processes a gate runs in (1 where absent). A scan gate process's full-scan ratio is one draw: on this 2-core
 * machine, quiet, it gave 2.45, 1.63, 1.69 and 1.15 in four processes in a row (a limit of 2.08), while each process
 * takes the median of its rounds already. What moves it is which calls a burst lands on: the V8 helper threads' GC
 * and compile work (counted in the process's CPU time, and caused by the scan's allocations and its kernel's tier-up,
 * not by the float pass's) and other processes on the other core competing for the shared cache and memory, in
 * bursts of a few milliseconds, as long as one call (bench/MEASUREMENTS.md, "Why the scan gate runs five
 * processes"). The median of five processes is what the gate judges; a setup of about 3 s of CPU a process (the
 * 10k-pool market and its index) makes more costly. The API and pipeline gates repeat rounds inside their one
 * process and take 20-30 s each.
 */
const RUNS: Readonly<Record<string, string | undefined>> = { scan: process.env.BENCH_GATE_SCAN_RUNS ?? "5" };

interface Flags {
  baseline: string;
  only: string[] | null;
  update: boolean;
}

function fail(line: string): never {
  process.stderr.write(`bench --check: ${line}\n`);
  process.exit(2);
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { baseline: `${DIR}baseline.json`, only: null, update: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--check") continue;
    if (arg === "--update-baseline") flags.update = true;
    else if (arg === "--baseline" || arg === "--only") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) fail(`${arg}: needs a value`);
      if (arg === "--baseline") flags.baseline = value;
      else flags.only = value.split(",");
    } else fail(`${arg}: unknown argument (expected --only NAMES, --baseline FILE, --update-baseline)`);
  }
  return flags;
}

function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    fail(`${file}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Runs one gate in a fresh process (its own heap and JIT); its stderr passes through, its stdout is parsed. */
function runGate(file: string): Promise<{ measurements: Measurement[]; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", DIR + file], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("close", (code) => {
      const measurements: Measurement[] = [];
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        const o = JSON.parse(line) as { gate?: unknown } & Measurement;
        if (o.gate === true) measurements.push({ metric: o.metric, value: o.value, absolute: o.absolute });
      }
      resolve({ measurements, code });
    });
  });
}

const flags = parseFlags(process.argv.slice(2));
const baseline = readBaseline(flags.baseline);
const available = readdirSync(DIR)
  .filter((f) => f.endsWith(".gate.ts"))
  .map((f) => f.slice(0, -".gate.ts".length))
  .sort();
const names = flags.only ?? available;
for (const name of names)
  if (!available.includes(name)) fail(`--only: no gate "${name}" (have ${available.join(", ")})`);

function runCount(name: string): number {
  const count = Number(RUNS[name] ?? 1);
  if (!Number.isInteger(count) || count < 1) fail(`BENCH_GATE_SCAN_RUNS: not a positive whole number (${RUNS[name]})`);
  return count;
}
names.forEach(runCount);

const measured: Measurement[] = [];
let crashed = 0;
for (const name of names) {
  const runs: Measurement[][] = [];
  const count = runCount(name);
  for (let run = 1; run <= count; run++) {
    const which = count === 1 ? name : `${name} ${run}/${count}`;
    process.stderr.write(`bench --check: ${which} (load average ${loadavg()[0]!.toFixed(2)})\n`);
    const { measurements, code } = await runGate(`${name}.gate.ts`);
    if (code !== 0) {
      crashed++;
      process.stderr.write(`bench --check: ${name}.gate.ts exited with ${code}\n`);
    }
    runs.push(measurements);
  }
  measured.push(...medianRuns(runs, (metric) => baseline.metrics[metric]?.better ?? "lower"));
}

// With --only, only the chosen gates' metrics are judged (a metric is named after its gate: "scan.…").
const judged: Baseline = {
  ...baseline,
  metrics: Object.fromEntries(
    Object.entries(baseline.metrics).filter(([metric]) => names.includes(metric.split(".")[0]!)),
  ),
};

if (flags.update) {
  if (crashed > 0) fail("--update-baseline needs every gate it runs to succeed");
  const when = `measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`;
  const next = updatedBaseline(baseline, measured, when, flags.only);
  writeFileSync(`${flags.baseline}.tmp`, JSON.stringify(next, null, 2) + "\n");
  renameSync(`${flags.baseline}.tmp`, flags.baseline);
  process.stdout.write(formatTable(compare(next, measured)) + "\n");
  process.stdout.write(`bench --check: wrote ${flags.baseline}\n`);
  process.exit(0);
}

const verdicts = compare(judged, measured);
process.stdout.write(formatTable(verdicts) + "\n");
const regressions = verdicts.filter((v) => !v.ok).length;
process.stdout.write(
  regressions === 0
    ? `bench --check: ${verdicts.length} ratios within tolerance\n`
    : `bench --check: ${regressions} of ${verdicts.length} ratios failed\n`,
);
process.exit(regressions === 0 && crashed === 0 ? 0 : 1);
