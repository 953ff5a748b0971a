/**
 * Authenticated GET /mode/status against a bare fastify route, measured so that the ratio says something about the
 * route and not about the moment: what `npm run bench -- api` and the API gate both report.
 * - The load generator (autocannon, 64 connections) runs in a process of its own: in a worker thread of this process
 *   its coordinator shared the servers' event loop, and this process's CPU time included the generator's.
 * - One round of each side first, not counted: the authenticated path's first second runs before the JIT has
 *   compiled it (a single 10 s run of each side after the other gave 0.51 and 0.72 on the same quiet machine).
 * - Then rounds of a run of each side, the order alternating (bare first, then the route first), so a drift in the
 *   machine's speed lands on both sides; each round gives its own ratio and the median drops the rounds a burst of
 *   load spoiled.
 * - Beside req/s, the servers' CPU time per request (this process holds only the two servers): the ratio the route
 *   reaches when the server, not the generator, is what runs out of CPU.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { median } from "./gate/ratio.ts";

const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
const CONNECTIONS = 64;

export interface Side {
  url: string;
  headers?: Record<string, string>;
}

export interface RoundFigures {
  requests: number;
  seconds: number;
  /** This process's CPU time (the servers') per answered request, microseconds. */
  cpuUsPerRequest: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface ApiRatio {
  /** Median over the rounds of route req/s over bare req/s. */
  ratio: number;
  roundRatios: number[];
  /** Median over the rounds of bare CPU per request over the route's. */
  cpuRatio: number;
  route: RoundFigures[];
  bare: RoundFigures[];
}

/** The median over rounds of one of their figures. */
export const medianOf = (rounds: readonly RoundFigures[], figure: (r: RoundFigures) => number) =>
  median(rounds.map(figure));

export const requestsPerSecond = (r: RoundFigures) => r.requests / r.seconds;

/** One run of the load generator against `side` for `seconds`; throws on any non-2xx answer or error. */
export async function load(side: Side, seconds: number): Promise<RoundFigures> {
  const args = [AUTOCANNON, "--json", "--connections", String(CONNECTIONS), "--duration", String(seconds)];
  for (const [name, value] of Object.entries(side.headers ?? {})) args.push("--headers", `${name}=${value}`);
  args.push(side.url);
  const started = process.cpuUsage();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const cpu = process.cpuUsage(started);
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${err.trim().split("\n").at(-1) ?? ""}`);
  const result = JSON.parse(out) as {
    requests: { total: number };
    latency: { p50: number; p99: number };
    duration: number;
    non2xx: number;
    errors: number;
  };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${side.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  const requests = result.requests.total;
  return {
    requests,
    seconds: result.duration,
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, requests),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** `rounds` rounds of `seconds` per side after one uncounted round of each (see the file comment). */
export async function measureApiRatio(
  route: Side,
  bare: Side,
  { rounds, seconds }: { rounds: number; seconds: number },
): Promise<ApiRatio> {
  await load(bare, seconds);
  await load(route, seconds);
  const result: ApiRatio = { ratio: 0, roundRatios: [], cpuRatio: 0, route: [], bare: [] };
  const cpuRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const bareFirst = round % 2 === 0;
    const first = await load(bareFirst ? bare : route, seconds);
    const second = await load(bareFirst ? route : bare, seconds);
    const [b, r] = bareFirst ? [first, second] : [second, first];
    result.bare.push(b);
    result.route.push(r);
    result.roundRatios.push(requestsPerSecond(r) / requestsPerSecond(b));
    cpuRatios.push(b.cpuUsPerRequest / r.cpuUsPerRequest);
  }
  result.ratio = median(result.roundRatios);
  result.cpuRatio = median(cpuRatios);
  return result;
}
