/** One entry of a package-lock v3 `packages` map (only what the subset reads; the rest is copied through). */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Where Node finds `name` required from the package installed at `from` ("" is the project root). */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === "") return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/**
 * The part of the repository's lockfile that installs `dependencies` alone: every package they reach, at the path and
 * version the repository installs it, so a package installed from it resolves exactly as in the repository. That is
 * what lets the policy pack install offline from the npm cache `npm ci` filled: each tarball is fetched by its
 * integrity, and no registry metadata (which the cache lacks) is needed. Dev flags are dropped: here every package
 * is a runtime dependency.
 */
export function subsetLockfile(
  root: Lockfile,
  pkg: { name: string; version: string; dependencies: Record<string, string> },
): Lockfile {
  const packages: Record<string, LockEntry> = {};
  const pending: Array<[string, string, boolean]> = Object.keys(pkg.dependencies).map((d) => ["", d, false]);
  while (pending.length > 0) {
    const [from, name, optional] = pending.pop() as [string, string, boolean];
    const at = resolve(root.packages, from, name);
    if (at === undefined) {
      if (optional) continue;
      throw new Error(`package-lock.json: ${name} (required by ${from || "the pack"}) is not installed`);
    }
    if (packages[at] !== undefined) continue;
    const { dev: _dev, devOptional, ...entry } = root.packages[at] as LockEntry;
    packages[at] = devOptional ? { ...entry, optional: true } : entry;
    for (const d of Object.keys(entry.dependencies ?? {})) pending.push([at, d, false]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) pending.push([at, d, true]);
    for (const d of Object.keys(entry.peerDependencies ?? {})) {
      pending.push([at, d, entry.peerDependenciesMeta?.[d]?.optional === true]);
    }
  }
  const sorted = Object.fromEntries(
    Object.keys(packages)
      .sort()
      .map((k) => [k, packages[k] as LockEntry]),
  );
  return {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: pkg.name, version: pkg.version, license: "UNLICENSED", dependencies: pkg.dependencies },
      ...sorted,
    },
  };
}

/** Each dependency pinned at the version the repository's lockfile installs. */
export function pinnedDependencies(root: Lockfile, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    [...names].sort().map((n) => {
      const version = root.packages[`node_modules/${n}`]?.version;
      if (version === undefined) throw new Error(`package-lock.json: ${n} is not a dependency of the repository`);
      return [n, version];
    }),
  );
}
