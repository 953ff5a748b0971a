import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { runDevCommand } from "./dev.ts";
import { parseExecution } from "./execution.ts";

describe("--execution", () => {
  it("takes eoa, and eoa when absent", () => {
    expect(parseExecution("eoa")).toBe("eoa");
    expect(parseExecution(undefined)).toBe("eoa");
  });

  it("refuses erc4337 with the reason, and anything else naming the flag (exit 2)", () => {
    expect(() => parseExecution("erc4337")).toThrow(InputError);
    expect(() => parseExecution("erc4337")).toThrow(/^--execution erc4337: not available yet/);
    expect(() => parseExecution("eoa ")).toThrow(/^--execution: must be eoa or erc4337, got "eoa "$/);
  });

  it("orion dev checks it before starting anything", async () => {
    const flags = { mode: "sim", port: "0", blockTime: "1000", execution: "bundler" };
    await expect(runDevCommand(flags)).rejects.toThrow(/^--execution: must be eoa or erc4337/);
  });
});
