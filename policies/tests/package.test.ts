import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackPolicyConfig } from "../config.ts";
import { buildPack } from "../packs.ts";
import { crossGuardPolicies } from "../selection.ts";
import { pinnedDependencies, subsetLockfile, type Lockfile } from "../tools/lockfile.ts";

// The policy pack as a package of its own: what `pulumi policy publish` packs (`npm pack`) and what Pulumi does with
// a pack it installs (unpack it, `npm install` inside, start its runner), with nothing but the tarball and npm's cache.
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const POLICIES = fileURLToPath(new URL("../", import.meta.url));
const read = async <T>(path: string) => JSON.parse(await readFile(path, "utf8")) as T;
const rootLock = await read<Lockfile>(join(POLICIES, "../package-lock.json"));
const pkg = await read<{ name: string; version: string; files: string[]; dependencies: Record<string, string> }>(
  join(POLICIES, "package.json"),
);

/** The modules `pulumi preview --policy-pack` loads (pack.cjs, then index.ts and what it imports), and the packages. */
let closure: Promise<{ modules: string[]; packages: string[] }> | undefined;
const importClosure = () => (closure ??= bundleClosure());

async function bundleClosure(): Promise<{ modules: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [join(POLICIES, "pack.cjs"), join(POLICIES, "index.ts")],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir: join(tmpdir(), "unused"),
    logLevel: "silent",
  });
  const modules = Object.keys(result.metafile.inputs).map((f) => f.slice(f.indexOf("policies/") + "policies/".length));
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const i of input.imports.filter((i) => i.external && !i.path.startsWith("node:"))) {
      if (builtinModules.includes(i.path)) continue;
      const parts = i.path.split("/");
      packages.add(i.path.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string));
    }
  }
  return { modules: modules.sort(), packages: [...packages].sort() };
}

/** What `pulumi policy publish` packs: `npm pack` of policies/ once, into a directory of its own, for every test here. */
let packing: Promise<{ dir: string; tarball: string; files: string[] }> | undefined;
const packed = () =>
  (packing ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "orion-policy-pack-"));
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
      cwd: POLICIES,
    });
    const [result] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return { dir, tarball: result?.filename ?? "", files: result?.files.map((f) => f.path) ?? [] };
  })());
afterAll(async () => {
  if (packing) await rm((await packing).dir, { recursive: true, force: true });
});

describe("policies/package.json", () => {
  it("declares every package the pack loads, and @pulumi/pulumi (whose runner starts it), at the repository's versions", async () => {
    const { packages } = await importClosure();
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...new Set([...packages, "@pulumi/pulumi"])].sort());
    // Regenerate with `npm run policy-pack-lock` after package-lock.json changes.
    expect(pkg.dependencies).toEqual(pinnedDependencies(rootLock, Object.keys(pkg.dependencies)));
  });

  it("ships an npm-shrinkwrap.json that is the repository's lockfile for those dependencies alone", async () => {
    const shrinkwrap = await read<Lockfile>(join(POLICIES, "npm-shrinkwrap.json"));
    expect(shrinkwrap).toEqual(subsetLockfile(rootLock, pkg));
  });

  it("packs exactly the pack: the modules it loads, the stack configurations, PulumiPolicy.yaml and the shrinkwrap", async () => {
    const { files } = await packed();
    const { modules } = await importClosure();
    const data = files.filter((f) => /^(config|pack-config)\/[a-z]+\.json$/.test(f));
    expect(data.length).toBeGreaterThanOrEqual(6);
    expect([...files].sort()).toEqual(
      [...modules, ...data, "PulumiPolicy.yaml", "npm-shrinkwrap.json", "package.json"].sort(),
    );
  });
});

describe("subsetLockfile", () => {
  const lock: Lockfile = {
    lockfileVersion: 3,
    packages: {
      "": { name: "repo", version: "0.0.0" },
      "node_modules/a": { version: "1.0.0", dependencies: { b: "^2" }, optionalDependencies: { gone: "*" } },
      "node_modules/a/node_modules/b": {
        version: "2.0.0",
        peerDependencies: { c: "*", d: "*" },
        peerDependenciesMeta: { d: { optional: true } },
      },
      "node_modules/b": { version: "1.0.0", dev: true },
      "node_modules/c": { version: "3.0.0", dev: true },
      "node_modules/unrelated": { version: "9.9.9" },
    },
  };

  it("keeps what the dependencies reach, where the repository installs it, nested copies included, as runtime packages", () => {
    const subset = subsetLockfile(lock, { name: "p", version: "1.0.0", dependencies: { a: "1.0.0" } });
    expect(Object.keys(subset.packages)).toEqual([
      "",
      "node_modules/a",
      "node_modules/a/node_modules/b",
      "node_modules/c",
    ]);
    expect(subset.packages["node_modules/c"]).toEqual({ version: "3.0.0" });
  });

  it("refuses a dependency the repository does not install", () => {
    expect(() => subsetLockfile(lock, { name: "p", version: "1.0.0", dependencies: { zz: "1" } })).toThrow(
      "package-lock.json: zz (required by the pack) is not installed",
    );
  });
});

describe("the packed policy pack, installed alone and offline", { timeout: 300_000 }, () => {
  let dir = "";
  let child: ChildProcess | undefined;
  let client: { close(): void; getAnalyzerInfo: (req: unknown, cb: (err: unknown, res: unknown) => void) => void };

  beforeAll(async () => {
    const pack = await packed();
    dir = pack.dir;
    await run("tar", ["-xzf", join(dir, pack.tarball), "-C", dir]);
    // Offline: every tarball comes from npm's cache by the integrity the shrinkwrap pins (the cache the repository's
    // `npm ci` filled); nothing is downloaded, and no install script runs.
    await run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: join(dir, "package"),
    });
  }, 300_000);

  afterAll(async () => {
    client?.close();
    child?.kill();
  });

  it("resolves its dependencies inside its own directory, never from the repository", () => {
    const own = createRequire(join(dir, "package", "package.json"));
    expect(own.resolve("@pulumi/policy")).toContain(join(dir, "package", "node_modules"));
    expect(own.resolve("tsx/esm/api")).toContain(join(dir, "package", "node_modules"));
  });

  it("starts under its own copy of Pulumi's policy-pack runner and serves every policy of the pack", async () => {
    const packDir = join(dir, "package");
    const runner = createRequire(join(packDir, "package.json")).resolve("@pulumi/pulumi/cmd/run-policy-pack/index.js");
    const proc = spawn(process.execPath, [runner, "127.0.0.1:1", packDir], {
      cwd: packDir,
      env: { PATH: process.env["PATH"] ?? "", ORION_POLICY_STACK: "prod" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout?.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      proc.once("exit", (code) => reject(new Error(`the installed pack exited (${code}): ${stderr}`)));
    });
    const policyRequire = createRequire(require.resolve("@pulumi/policy"));
    const grpc = policyRequire("@grpc/grpc-js");
    const { AnalyzerClient } = policyRequire("@pulumi/pulumi/proto/analyzer_grpc_pb");
    const { Empty } = policyRequire("google-protobuf/google/protobuf/empty_pb");
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const info = await new Promise<{ getName(): string; getPoliciesList(): Array<{ getName(): string }> }>(
      (resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (err, res) =>
          err ? reject(err) : resolve(res as { getName(): string; getPoliciesList(): Array<{ getName(): string }> }),
        ),
    );
    expect(info.getName()).toBe("alpha-orion-all");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(
      crossGuardPolicies(buildPack("all", loadStackPolicyConfig("prod"))).map((p) => p.name),
    );
  });
});
