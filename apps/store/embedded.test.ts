import { chmod, chown, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reachable, type Account } from "./embedded.ts";

// Whether the server's user can reach the binaries and the data decides where they go; a wrong answer is a start
// that fails with EACCES in a private clone.
const stranger: Account = { uid: 54_321, gid: 54_321, groups: [54_321] };
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-reach-"));
  await chmod(dir, 0o755);
  for (const [name, mode] of [
    ["private", 0o700],
    ["open", 0o755],
    ["group", 0o710],
  ] as const) {
    await mkdir(join(dir, name, "inner"), { recursive: true });
    await chmod(join(dir, name), mode);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("reachable", () => {
  it("is false below a directory private to its owner (a clone in a 0700 home or mktemp -d)", async () => {
    expect(await reachable(join(dir, "private/inner"), stranger)).toBe(false);
  });

  it("is true through directories others may pass", async () => {
    expect(await reachable(join(dir, "open/inner"), stranger)).toBe(true);
  });

  it("follows the group's bit for a member of the directory's group only", async () => {
    expect(await reachable(join(dir, "group/inner"), stranger)).toBe(false);
    const { gid } = await stat(join(dir, "group"));
    expect(await reachable(join(dir, "group/inner"), { ...stranger, groups: [gid] })).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)("uses the owner's bit for the owner, even where others may pass", async () => {
    const owned = join(dir, "owned");
    await mkdir(owned);
    await chown(owned, stranger.uid, stranger.gid);
    await chmod(owned, 0o605);
    expect(await reachable(owned, stranger)).toBe(false);
  });
});
