import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvError } from "./parse.ts";
import { resolveSecretFiles } from "./secret-files.ts";

const dir = mkdtempSync(join(tmpdir(), "orion-secret-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
/** The EnvError a call throws (the line `orion run` prints before exiting 2), or a failure if it throws none. */
const envError = (env: NodeJS.ProcessEnv): EnvError => {
  try {
    resolveSecretFiles(env);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return err as EnvError;
  }
  throw new Error("resolveSecretFiles accepted the env");
};

describe("resolveSecretFiles", () => {
  it("replaces <VAR>_FILE by <VAR> holding the file's content, without its trailing newline", () => {
    const env = {
      REDIS_PASSWORD_FILE: file("redis", "auth-string\n"),
      RPC_URLS_FILE: file("rpc", "https://a.example/k,https://b.example/k"),
      REDIS_HOST: "10.0.0.4",
    };
    expect(resolveSecretFiles(env)).toEqual({
      REDIS_PASSWORD: "auth-string",
      RPC_URLS: "https://a.example/k,https://b.example/k",
      REDIS_HOST: "10.0.0.4",
    });
    // The caller's env is left as it was.
    expect(env.REDIS_PASSWORD_FILE).toBe(join(dir, "redis"));
  });

  it("leaves an env without secret files as it is, and <VAR>_FILE of a variable that is not a secret unread", () => {
    const env = { REDIS_PASSWORD: "auth-string", ORION_KEYS_FILE: "/keys.json", REDIS_HOST_FILE: "/nope" };
    expect(resolveSecretFiles(env)).toEqual(env);
  });

  it("names the variable when the file is missing, not a file or empty, never echoing a value", () => {
    const missing = envError({ ORION_CONTROL_REDIS_PASSWORD_FILE: join(dir, "absent") });
    expect(missing.variable).toBe("ORION_CONTROL_REDIS_PASSWORD_FILE");
    expect(missing.message).toBe(`ORION_CONTROL_REDIS_PASSWORD_FILE ${join(dir, "absent")}: cannot be read (ENOENT)`);

    expect(envError({ REDIS_PASSWORD_FILE: dir }).message).toBe(`REDIS_PASSWORD_FILE ${dir}: cannot be read (EISDIR)`);

    const empty = envError({ RPC_URLS_FILE: file("empty", "\n") });
    expect(empty.message).toBe(`RPC_URLS_FILE ${join(dir, "empty")}: is empty (it must hold RPC_URLS)`);
  });

  it("refuses a variable set both ways: which one wins would be a guess", () => {
    const both = envError({ REDIS_PASSWORD: "a", REDIS_PASSWORD_FILE: file("both", "b") });
    expect(both.message).toBe("REDIS_PASSWORD_FILE and REDIS_PASSWORD are both set: set one");
  });
});
