import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { apiKeyEnv } from "./processes.ts";

describe("orion dev --services: the API process's key material", () => {
  it("is the user's ORION_KEYS_FILE when set, made absolute for a bot running elsewhere", () => {
    expect(apiKeyEnv("/home/s/.orion", { ORION_KEYS_FILE: "mine/keys.json" })).toEqual({
      ORION_KEYS_FILE: resolve("mine/keys.json"),
    });
  });

  it("carries the user's ORION_KEYS, which the API prefers to any file", () => {
    expect(apiKeyEnv("/home/s/.orion", { ORION_KEYS: '{"k":1}' })).toEqual({
      ORION_KEYS_FILE: join("/home/s/.orion", "keys.json"),
      ORION_KEYS: '{"k":1}',
    });
  });

  it("is the key file in the session's home when the user set neither", () => {
    expect(apiKeyEnv("/home/s/.orion", {})).toEqual({ ORION_KEYS_FILE: "/home/s/.orion/keys.json" });
  });
});
