import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { runDevCommand } from "./dev.ts";

const FLAGS = { mode: "sim", port: "0", blockTime: "1000", bundlerTimeout: "5000" };

describe("orion dev --services and --bots-from", () => {
  let empty = "";
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), "orion-not-an-install-"));
  });
  afterAll(() => rm(empty, { recursive: true, force: true }));

  it("refuses --services without Redis, naming what to set", async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = "";
    try {
      const run = runDevCommand({ ...FLAGS, services: true, blocks: "1" });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(
        /^dev --services: set REDIS_URL: the bots' processes talk to each other through Redis$/,
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it("refuses --bots-from without --services, and a directory that holds no orion install, before starting anything", async () => {
    const withRedis = { ...FLAGS, blocks: "1" };
    await expect(runDevCommand({ ...withRedis, botsFrom: empty })).rejects.toThrow(
      /^dev --bots-from: only with --services/,
    );
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = "redis://127.0.0.1:1";
    try {
      const run = runDevCommand({ ...withRedis, services: true, botsFrom: empty });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(`dev --bots-from ${empty}: no orion install there (bin/orion.mjs is missing)`);
      await expect(runDevCommand({ ...withRedis, services: true, botsFrom: "" })).rejects.toThrow(
        /^dev --bots-from: --bots-from needs a directory$/,
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
