import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors.ts";
import { runDevCommand } from "./dev.ts";

const FLAGS = { mode: "sim", port: "0", blockTime: "1000", bundlerTimeout: "5000", blocks: "1" };

describe("orion dev --services and --bots-from", () => {
  let empty = "";
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), "orion-not-an-install-"));
  });
  afterAll(() => rm(empty, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  it("refuses --services without Redis, naming what to set", async () => {
    vi.stubEnv("REDIS_URL", "");
    const run = runDevCommand({ ...FLAGS, services: true });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(
      /^dev --services: set REDIS_URL: the bots' processes talk to each other through Redis$/,
    );
  });

  it("refuses --bots-from without --services, and a directory that holds no orion install, before starting anything", async () => {
    await expect(runDevCommand({ ...FLAGS, botsFrom: empty })).rejects.toThrow(
      /^dev --bots-from: only with --services/,
    );
    // Nothing listens there: a check that connected first would fail differently.
    vi.stubEnv("REDIS_URL", "redis://127.0.0.1:1");
    const run = runDevCommand({ ...FLAGS, services: true, botsFrom: empty });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(`dev --bots-from ${empty}: no orion install there (bin/orion.mjs is missing)`);
    await expect(runDevCommand({ ...FLAGS, services: true, botsFrom: "" })).rejects.toThrow(
      /^dev --bots-from: --bots-from needs a directory$/,
    );
  });
});
