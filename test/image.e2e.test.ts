/**
 * The image: what the Dockerfile installs for production is enough to run each bot. One clean directory gets the
 * build context exactly as `docker build` sees it (the Dockerfile's COPY lines, less .dockerignore), the build stage's
 * full install (this checkout's, linked in) and the CLI's bundle, then the Dockerfile's own production line (`npm prune
 * --omit=dev`). Each bot then starts from that tree: `--help`, and a start with an empty environment, which stops at
 * the env contract (exit 2); the migrate job runs from it. Then the four bots run from it as four processes of an
 * `orion dev --services --bots-from` session and trade on the devnet: a bot module, or a file one reads once running
 * (an ABI, a lens's bytecode), that only a dev dependency provides fails here, not in Cloud Run.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sessionReportSchema } from "../apps/platform/report.ts";
import { expectOneTracePerOrder, startOtlpReceiver } from "../apps/tracing/testing/otlp-receiver.ts";
import { buildImageTree, dockerStages, installLines, type ImageTree } from "./support/image-tree.ts";
import { LEDGER_ATTACKS, ledgerAttacksBySessionRoles } from "./support/ledger-attacks.ts";
import { expectMixedTradesByTwoSources } from "./support/mixed-trades.ts";
import { runOrion } from "./support/orion-cli.ts";
import { orionSession } from "./support/orion-session.ts";
import { createTestDatabase } from "./support/postgres.ts";
import { alive } from "./support/user-operation-report.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BOTS = ["scanner", "orchestrator", "executor", "api"] as const;
const run = promisify(execFile);

const stages = dockerStages();
const session = orionSession("image");
const [build = [], runtime = []] = stages;
const { full: fullInstall, production: productionInstall } = installLines(build);

describe("the Dockerfile", () => {
  it("builds in one stage and runs another: production dependencies only, as a non-root user, orion as entrypoint", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build[0]).toMatch(/\sAS\s+build$/i);
    // The full install builds; the production prune comes last, so nothing from devDependencies remains.
    expect(fullInstall).toBeDefined();
    expect(productionInstall).toBeDefined();
    expect(build.indexOf(productionInstall ?? "")).toBe(build.length - 1);
    expect(build.indexOf(fullInstall ?? "")).toBeLessThan(build.indexOf(productionInstall ?? ""));
    expect(runtime).toContain("COPY --from=build /app /app");
    expect(runtime.filter((l) => /^USER\s/.test(l))).toEqual(["USER node"]);
    expect(runtime.findIndex((l) => l === "USER node")).toBeGreaterThan(runtime.findIndex((l) => /^COPY\s/.test(l)));
    expect(runtime).toContain('ENTRYPOINT ["node", "bin/orion.mjs"]');
  });
});

describe("deploy.yml", () => {
  it("pushes the image and deploys it by digest, never by a moving tag", () => {
    type Step = { id?: string; uses?: string; with?: Record<string, unknown> };
    type Job = { needs?: string | string[]; outputs?: Record<string, string>; steps: Step[] };
    const workflow = parse(readFileSync(join(ROOT, ".github/workflows/deploy.yml"), "utf8")) as {
      jobs: Record<string, Job>;
    };
    const image = workflow.jobs.image;
    const push = image?.steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(push?.with?.push).toBe(true);
    expect(image?.outputs?.digest).toBe(`\${{ steps.${push?.id}.outputs.digest }}`);
    for (const stack of ["staging", "prod"]) {
      const up = workflow.jobs[stack]?.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
      expect(up?.with?.command).toBe("up");
      expect(String(up?.with?.["config-map"])).toContain(
        "alpha-orion:imageTag: {value: ${{ needs.image.outputs.digest }}",
      );
    }
  });
});

describe("the image's production install", () => {
  let dir = "";
  const orion = (args: string[]) =>
    run(process.execPath, [join(dir, "bin/orion.mjs"), ...args], {
      cwd: dir,
      // The container's environment: nothing from this machine's shell but PATH.
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    });

  let tree: ImageTree | undefined;
  beforeAll(async () => {
    tree = await buildImageTree();
    dir = tree.dir;
  }, 600_000);
  afterAll(() => tree?.remove());

  it("holds no dev-only package, and no test file or testing helper", () => {
    // The lockfile marks every package reached only through devDependencies; none of them may be installed.
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev && path.startsWith("node_modules/"));
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.map(([path]) => path).filter((path) => existsSync(join(dir, path)))).toEqual([]);
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((e) => {
        const p = join(d, e);
        if (e === "node_modules" || e === "dist") return [];
        return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
      });
    expect(walk(dir).filter((p) => /\.test\.ts$|\/testing$/.test(p))).toEqual([]);
  });

  it.each(BOTS)("starts %s: --help documents its env contract; an empty env exits 2 naming a variable", async (bot) => {
    const help = await orion(["run", bot, "--help"]);
    expect(help.stdout).toContain(`Usage: orion run ${bot}`);
    expect(help.stdout).toContain("REDIS_");
    const start = await orion(["run", bot]).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => err,
    );
    // Exit 2 is the env contract's refusal, before any connection (each bot's own module loads once its env is whole).
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(new RegExp(`^orion: run ${bot}: [A-Z_]+ is not set\\b[^\\n]*\\n$`));
  });

  it("holds every package `orion run` and `orion migrate` can import, whatever the configuration (KMS, Cloud SQL, OTLP, ERC-4337)", async () => {
    // The bundle's import graph (bin/bundle.mjs writes it beside each build): from the two commands' chunks, every
    // chunk they may load, static or dynamic, and the packages those import.
    const { build: id } = JSON.parse(readFileSync(join(dir, "dist/cli/current.json"), "utf8")) as { build: string };
    type Chunk = { entry: string | null; chunks: string[]; packages: string[] };
    const graph = JSON.parse(readFileSync(join(dir, "dist/cli", id, "imports.json"), "utf8")) as Record<string, Chunk>;
    const starts = Object.keys(graph).filter((c) =>
      ["apps/cli/commands/run.ts", "apps/cli/commands/migrate.ts"].includes(graph[c]?.entry ?? ""),
    );
    expect(starts).toHaveLength(2);
    const seen = new Set<string>();
    const packages = new Set<string>();
    for (const todo = [...starts]; todo.length > 0;) {
      const c = todo.pop() as string;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const p of graph[c]?.packages ?? []) packages.add(p);
      todo.push(...(graph[c]?.chunks ?? []));
    }
    // The cloud's optional paths are among them: KMS signing, Cloud SQL's connector, OTLP export, user operations.
    const names = [...packages].map((p) =>
      p
        .split("/")
        .slice(0, p.startsWith("@") ? 2 : 1)
        .join("/"),
    );
    for (const p of [
      "@google-cloud/kms",
      "@google-cloud/cloud-sql-connector",
      "@opentelemetry/exporter-trace-otlp-http",
    ])
      expect(names).toContain(p);
    expect(names).toContain("permissionless");
    // Each imported from the tree, in one process: a package missing there, or one it needs, names itself.
    const probe = `const failed = [];
      for (const p of ${JSON.stringify([...packages].sort())})
        await import(p).catch((e) => failed.push(p + ": " + String(e.message).split("\\n")[0]));
      process.stdout.write(JSON.stringify(failed));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it("runs the migrate job from this tree: `orion migrate` applies every migration, then `--check` finds it current", async () => {
    const db = await createTestDatabase("orion_image_migrate");
    try {
      const env = { DATABASE_URL: db.url };
      const migrate = (args: string[]) =>
        run(process.execPath, [join(dir, "bin/orion.mjs"), "migrate", ...args], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
        });
      const applied = await migrate([]);
      expect(applied.stdout).toMatch(/^orion migrate: applied 001_trading$/m);
      expect(applied.stdout).toMatch(/^orion migrate: schema at \d+: \d+ migration\(s\) applied/m);
      expect((await migrate(["--check"])).stdout).toMatch(/^orion migrate: schema at \d+: current\n$/);
    } finally {
      await db.drop();
    }
  });

  // The bots read more than their modules once they run (the contracts' ABIs, the lenses' bytecode): a session whose
  // four processes start from this tree trades only if the production install holds all of it.
  it("runs the four bots from this tree: `orion dev --services --bots-from` trades on the devnet, realized == predicted to the wei where nothing preceded; traces cross the processes", async () => {
    const file = join(session.dir, "services.json");
    // Two-second blocks: every live trade must land in the block after its own, and two busy cores run six processes.
    // Eight blocks: a trade confirms in nearly every one (34 in 20 blocks measured); one is all the test needs.
    const args = ["dev", "--services", "--bots-from", dir, "--mode", "live", "--blocks", "8", "--block-time", "2000"];
    let attacks: Promise<Record<string, string[]>> | null = null;
    // Each bot exports its spans by OTLP from its own process to a local receiver.
    const otlp = await startOtlpReceiver();
    const run = await runOrion([...args, "--port", "0", "--report", file], {
      env: session.env({ LOG_LEVEL: "fatal", OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url }),
      onStdout: (stdout) => {
        // Once the bots trade, every role their connections log in as tries to rewrite the ledger and run DDL.
        if (/^block \d+/m.test(stdout)) attacks ??= ledgerAttacksBySessionRoles(session.db.name);
      },
    }).finally(() => otlp.close());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // One role for the session and the four processes: a member of orion_app only, refused every rewrite.
    const outcomes = await attacks;
    const roles = Object.keys(outcomes ?? {});
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatch(/^orion_session_[0-9a-f]{12}$/);
    expect(outcomes?.[roles[0] ?? ""]).toEqual(LEDGER_ATTACKS.map(() => "42501"));
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));

    // Four bots, four processes of their own, all gone once the session ended.
    expect(r.processes?.map((p) => p.bot)).toEqual(["scanner", "orchestrator", "executor", "api"]);
    const pids = (r.processes ?? []).map((p) => p.pid);
    expect(new Set([...pids, process.pid]).size).toBe(5);
    for (const pid of pids) expect(alive(pid)).toBe(false);

    expect(r).toMatchObject({ mode: "live", chainId: 31337 });
    expect(r.blocks.to - r.blocks.from).toBeGreaterThanOrEqual(7);
    expect(r.orders).toBeGreaterThan(0);
    const confirmed = r.trades.filter((t) => t.status === "confirmed");
    expect(confirmed.length).toBeGreaterThanOrEqual(1);
    for (const t of confirmed) {
      expect(BigInt(t.realizedProfit ?? "-1")).toBeGreaterThan(0n);
      if (t.precededBy === 0) expect(t.realizedProfit).toBe(t.predictedProfit);
    }
    expect(confirmed.some((t) => t.precededBy === 0)).toBe(true);
    expectMixedTradesByTwoSources(r);
    // Every transaction the executor process broadcast is a reported trade.
    const broadcast = r.trades.filter((t) => t.txHash !== null).length;
    expect(r.executor.nonceEnd - r.executor.nonceStart).toBe(broadcast);
    expect(r.latencyMs.send.p50).toBeGreaterThan(0);

    // One order's spans share one trace id though three processes exported them: the trace crossed Redis Streams twice.
    for (const [block, decide, order] of expectOneTracePerOrder(otlp.spans)) {
      expect([block?.service, decide?.service, order?.service]).toEqual([
        "orion-scanner",
        "orion-orchestrator",
        "orion-executor",
      ]);
    }
  }, 600_000);
});
