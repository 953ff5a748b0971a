import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../store/embedded.ts";

const run = promisify(execFile);

/** The replica's name in the primary's synchronous_standby_names: a commit returns once the replica has it. */
const STANDBY_NAME = "drill_replica";

/** PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup): ORION_PG_BIN, else the newest Debian install. */
export function findPgBin(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env["ORION_PG_BIN"];
  if (configured !== undefined && configured !== "") {
    if (!existsSync(join(configured, "pg_basebackup"))) {
      throw new Error(`ORION_PG_BIN=${configured}: no pg_basebackup there`);
    }
    return configured;
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "pg_basebackup")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error("no PostgreSQL server binaries: install postgresql (Debian) or set ORION_PG_BIN to their bin dir");
  }
  return join(root, newest, "bin");
}

export interface Node {
  readonly dataDir: string;
  readonly port: number;
  /** A connection URL for the `orion` database on this node. */
  readonly url: string;
}

/**
 * A PostgreSQL primary and a streaming replica on 127.0.0.1, each on a free port, in one temporary directory. Commits
 * are synchronous: the primary acknowledges a commit only once the replica has written it. PostgreSQL refuses to run
 * as root, so when we are root the servers run as the `postgres` system user, whose data directories sit in a 0755
 * directory it can reach.
 */
export class LocalPgCluster {
  private stopped = new Set<string>();

  private constructor(
    private readonly bin: string,
    private readonly root: string,
    private readonly runAs: { uid: number; gid: number } | undefined,
    readonly primary: Node,
    readonly replica: Node,
  ) {}

  static async start(bin = findPgBin()): Promise<LocalPgCluster> {
    const root = await mkdtemp(join(tmpdir(), "orion-dr-"));
    await chmod(root, 0o755);
    const runAs = process.getuid?.() === 0 ? await postgresUser() : undefined;
    if (runAs) await chown(root, runAs.uid, runAs.gid);
    const node = async (name: string): Promise<Node> => {
      const port = await freePort();
      return { dataDir: join(root, name), port, url: `postgres://postgres@127.0.0.1:${port}/orion` };
    };
    const cluster = new LocalPgCluster(bin, root, runAs, await node("primary"), await node("replica"));
    try {
      await cluster.initPrimary();
      await cluster.cloneReplica();
      await cluster.waitForSyncReplica();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** Runs a PostgreSQL binary, as the postgres user when we are root. */
  private async pg(tool: string, args: string[]): Promise<string> {
    const cmd = join(this.bin, tool);
    const [file, argv] = this.runAs ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    try {
      const { stdout } = await run(file, argv, { cwd: this.root, timeout: 120_000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} failed: ${(e.stderr ?? e.message).trim().split("\n").pop()}`);
    }
  }

  private async startNode(n: Node): Promise<void> {
    // No socket file and loopback only: nothing collides with a PostgreSQL already on the machine.
    const opts = `-p ${n.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
    await this.pg("pg_ctl", ["-D", n.dataDir, "-o", opts, "-l", `${n.dataDir}.log`, "-w", "-t", "60", "start"]);
  }

  private async initPrimary(): Promise<void> {
    const p = this.primary;
    await this.pg("initdb", ["-D", p.dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    await this.writeAsPostgres(
      join(p.dataDir, "postgresql.auto.conf"),
      ["wal_level = replica", "max_wal_senders = 4", "synchronous_commit = on", "fsync = on"].join("\n") + "\n",
    );
    await this.writeAsPostgres(
      join(p.dataDir, "pg_hba.conf"),
      "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n",
    );
    await this.startNode(p);
    await withClient(`postgres://postgres@127.0.0.1:${p.port}/postgres`, (c) => c.query("CREATE DATABASE orion"));
  }

  private async cloneReplica(): Promise<void> {
    const conninfo = `host=127.0.0.1 port=${this.primary.port} user=postgres application_name=${STANDBY_NAME}`;
    // -R writes standby.signal and primary_conninfo: the clone starts as a streaming replica of the primary.
    await this.pg("pg_basebackup", ["-d", conninfo, "-D", this.replica.dataDir, "-R", "-X", "stream", "-c", "fast"]);
    await this.startNode(this.replica);
  }

  private async waitForSyncReplica(): Promise<void> {
    // Synchronous only now: before the replica streams, every commit (even CREATE DATABASE) would wait for it forever.
    await withClient(this.primary.url, async (c) => {
      await c.query(`ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
      await c.query("SELECT pg_reload_conf()");
    });
    await poll("the replica to stream synchronously", 60_000, async () => {
      const { rows } = await withClient(this.primary.url, (c) =>
        c.query<{ sync_state: string }>("SELECT sync_state FROM pg_stat_replication WHERE application_name = $1", [
          STANDBY_NAME,
        ]),
      );
      return rows[0]?.sync_state === "sync";
    });
  }

  /** The primary dies as in a crash: no shutdown checkpoint, connections cut. */
  async killPrimary(): Promise<void> {
    await this.pg("pg_ctl", ["-D", this.primary.dataDir, "-m", "immediate", "stop"]);
    this.stopped.add(this.primary.dataDir);
  }

  /** Promotes the replica and returns once it accepts writes. */
  async promoteReplica(): Promise<void> {
    await this.pg("pg_ctl", ["-D", this.replica.dataDir, "-w", "-t", "60", "promote"]);
    await poll("the promoted replica to accept writes", 60_000, async () => {
      const { rows } = await withClient(this.replica.url, (c) =>
        c.query<{ recovering: boolean }>("SELECT pg_is_in_recovery() AS recovering"),
      );
      return rows[0]?.recovering === false;
    });
  }

  /** Stops whatever still runs and removes the data directories. */
  async destroy(): Promise<void> {
    for (const n of [this.primary, this.replica]) {
      if (this.stopped.has(n.dataDir) || !existsSync(join(n.dataDir, "postmaster.pid"))) continue;
      await this.pg("pg_ctl", ["-D", n.dataDir, "-m", "immediate", "stop"]).catch(() => undefined);
    }
    await rm(this.root, { recursive: true, force: true });
  }

  private async writeAsPostgres(file: string, text: string): Promise<void> {
    await writeFile(file, text, { flag: file.endsWith("auto.conf") ? "a" : "w" });
    if (this.runAs) await chown(file, this.runAs.uid, this.runAs.gid);
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error("running as root needs a `postgres` system user to run PostgreSQL as (PostgreSQL refuses root)");
  }
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls `ready` (errors count as not ready) until it holds, or fails naming what it waited for. */
async function poll(what: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
