import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDevnet, type Devnet } from "../../chain/devnet.ts";
import { InputError } from "../errors.ts";
import { buildProgram } from "../program.ts";

/**
 * `orion trade --mode live` on a chain whose profile names a relay: the reputation key and the bid are checked
 * before anything trades (exit 2 naming the variable), and the executor's own key is refused as a reputation key.
 */
const EXECUTOR_KEY = `0x${"11".repeat(32)}`;
let devnet: Devnet;
let dir: string;
let profile: string;
const saved = { ...process.env };

beforeAll(async () => {
  devnet = await startDevnet({ listen: { port: 0 } });
  dir = await mkdtemp(join(tmpdir(), "orion-relay-"));
  profile = join(dir, "relayed.json");
  const base = JSON.parse(await readFile(new URL("../../../chains/ethereum.json", import.meta.url), "utf8")) as object;
  await writeFile(
    profile,
    JSON.stringify({ ...base, name: "relayed", chainId: 31337, relayUrl: "http://127.0.0.1:9/" }),
  );
});

afterAll(async () => {
  await devnet?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.env = { ...saved };
});

async function trade(env: Record<string, string>): Promise<unknown> {
  Object.assign(process.env, {
    ORION_HOME: dir,
    ORION_EXECUTOR_CONTRACT: `0x${"22".repeat(20)}`,
    ORION_EXECUTOR_KEY: EXECUTOR_KEY,
    ...env,
  });
  const argv = ["node", "orion", "trade", "--chain", profile, "--rpc", devnet.url as string, "--mode", "live"];
  return (await buildProgram(argv)).parseAsync(argv).then(
    () => null,
    (err: unknown) => err,
  );
}

describe("orion trade through a relay", () => {
  it("needs a reputation key when the profile names a relayUrl", async () => {
    const err = await trade({ ORION_RELAY_KEY: "" });
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^ORION_RELAY_KEY: profile relayed sends trades to a relay/);
  });

  it.each([
    [{ ORION_RELAY_KEY: "0x1234" }, /^ORION_RELAY_KEY: must be a 32-byte hex private key$/],
    [{ ORION_RELAY_KEY: EXECUTOR_KEY }, /^ORION_RELAY_KEY: must not be the executor's key/],
    [{ ORION_RELAY_KEY: `0x${"33".repeat(32)}`, ORION_BID_SHARE_BPS: "10001" }, /^ORION_BID_SHARE_BPS: must be/],
    [{ ORION_RELAY_KEY: `0x${"33".repeat(32)}`, ORION_BID_SHARE_BPS: "50%" }, /^ORION_BID_SHARE_BPS: must be/],
  ])("refuses %j with a one-line error", async (env, message) => {
    const err = await trade(env);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toMatch(/\n/);
  });
});
