/**
 * `orion dev --services --execution erc4337`, the real binary: each bot its own `orion run` process started from the
 * image's production tree (`--bots-from`: the route's modules load only once it is configured, so only a run shows
 * that the image holds them), the executor's reaching a real alto and the session's paymaster service by URL (as it
 * would hosted ones), talking through real Redis and PostgreSQL. And Ctrl-C in a terminal (SIGINT to the whole process group) ends it cleanly: alto runs in
 * its own group, so it outlives the signal until the session has settled its in-flight operations, then stops with it.
 * One session holds both (a session costs about a minute before its first block): it is interrupted once the journal
 * has a confirmed user operation that nothing ran ahead of. `--blocks` ending a `--services` session is the image
 * test's, and an ERC-4337 session's dev-erc4337's.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImageTree, type ImageTree } from "../../test/support/image-tree.ts";
import { runOrion, type OrionExit } from "../../test/support/orion-cli.ts";
import { orionSession } from "../../test/support/orion-session.ts";
import { alive, expectExactUserOperations } from "../../test/support/user-operation-report.ts";
import { sessionReportSchema } from "./report.ts";

const session = orionSession("services-erc4337");
let image: ImageTree | undefined;
beforeAll(async () => {
  image = await buildImageTree();
}, 300_000);
afterAll(() => image?.remove());

/**
 * Blocks a session waits for its interrupt pattern before it is interrupted anyway (the test then fails). An
 * operation the devnet's traders' swaps (200 ms after each head) overtake is raced, not exact; on two busy cores a
 * run once went 40 blocks without an unraced one, and the wait ends at the first.
 */
const INTERRUPT_BY_BLOCKS = 80;

/**
 * `orion dev` in a process group of its own, standing for a terminal's foreground group; SIGINT goes to the whole
 * group, as Ctrl-C does, once `ready()` holds after a stdout line matching `when` (or after INTERRUPT_BY_BLOCKS
 * blocks without).
 */
function orionDev(args: string[], when: RegExp, ready: () => Promise<boolean>): Promise<OrionExit> {
  let interrupted = false;
  let checked = 0;
  let checking = Promise.resolve();
  return runOrion(["dev", ...args], {
    env: session.env({ LOG_LEVEL: "fatal" }),
    detached: true,
    onStdout: (stdout, run) => {
      const interrupt = () => {
        if (interrupted) return;
        interrupted = true;
        run.interrupt();
      };
      if ((stdout.match(/^block \d+/gm)?.length ?? 0) >= INTERRUPT_BY_BLOCKS) interrupt();
      const seen = stdout.match(new RegExp(when.source, "gm"))?.length ?? 0;
      if (seen === checked) return;
      checked = seen;
      checking = checking.then(async () => {
        // A journal not readable yet is asked again at the next line.
        if (!interrupted && (await ready().catch(() => false))) interrupt();
      });
    },
  });
}

/** The pid alto ran as, from the session's start line. */
function altoPid(stdout: string): number {
  const m =
    /^bundler: alto \(pid (\d+)\) at http:\/\/127\.0\.0\.1:\d+, paymaster service at http:\/\/127\.0\.0\.1:\d+/m.exec(
      stdout,
    );
  expect(m, stdout).not.toBeNull();
  return Number(m![1]);
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: session.db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function journal(ids: string[]) {
  const rows = await query<{ id: string; route: string; user_op_hash: string | null; status: string }>(
    "SELECT id, route, user_op_hash, status FROM trades WHERE id = ANY($1)",
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** A user operation confirmed with nothing ahead of it: what the report must show exact to the wei. */
async function unracedConfirmed(): Promise<boolean> {
  const rows = await query(
    "SELECT 1 FROM trades WHERE status = 'confirmed' AND user_op_hash IS NOT NULL AND preceded_by = 0 LIMIT 1",
  );
  return rows.length > 0;
}

describe("orion dev --services --execution erc4337 (real alto, Redis, PostgreSQL; each bot its own process)", () => {
  it("live: the executor's process trades through user operations, exact to the wei; Ctrl-C to the whole process group settles them, then alto and every bot are gone", async () => {
    const file = join(session.dir, "services-erc4337.json");
    const args = ["--services", "--bots-from", image?.dir ?? "", "--mode", "live", "--execution", "erc4337"];
    const run = await orionDev(
      [...args, "--block-time", "1000", "--port", "0", "--report", file],
      /^ {2}trade confirmed/,
      unracedConfirmed,
    );
    expect(run.stderr).not.toMatch(/ECONNREFUSED|ECONNRESET|exited with code/);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^session: blocks \d+\.\.\d+/m);
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));

    expect(r).toMatchObject({ mode: "live", execution: "erc4337", chainId: 31337 });
    expect(r.processes?.map((p) => p.bot)).toEqual(["scanner", "orchestrator", "executor", "api"]);
    for (const p of r.processes ?? []) expect(alive(p.pid)).toBe(false);
    expect(alive(altoPid(run.stdout))).toBe(false);

    // What was sent before the signal was followed to its end, not abandoned in flight.
    expect(r.trades.some((t) => t.status === "confirmed" && t.userOpHash)).toBe(true);
    const sent = expectExactUserOperations(r, 1);
    // Every trade sent went as a user operation: no EOA transaction.
    expect(r.trades.filter((t) => t.txHash !== null && !t.userOpHash)).toEqual([]);
    expect(r.executor.nonceEnd).toBe(r.executor.nonceStart);
    // The journal the executor's process wrote: the route and the same hash for every trade it sent.
    const rows = await journal(sent.map((t) => t.id));
    for (const t of sent) {
      expect(rows.get(t.id)).toMatchObject({ route: "erc4337", user_op_hash: t.userOpHash, status: t.status });
    }
  }, 600_000);
});
