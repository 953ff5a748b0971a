import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { runDevCommand } from "./dev.ts";
import { parseExecution } from "./execution.ts";

describe("--execution", () => {
  it("takes eoa, and eoa when absent", () => {
    expect(parseExecution("eoa")).toBe("eoa");
    expect(parseExecution(undefined)).toBe("eoa");
  });

  it("takes erc4337, and refuses anything else naming the flag (exit 2)", () => {
    expect(parseExecution("erc4337")).toBe("erc4337");
    expect(() => parseExecution("eoa ")).toThrow(InputError);
    expect(() => parseExecution("eoa ")).toThrow(/^--execution: must be eoa or erc4337, got "eoa "$/);
  });

  it("orion dev checks it and its companions before starting anything", async () => {
    const flags = { mode: "sim", port: "0", blockTime: "1000", bundlerTimeout: "5000" };
    await expect(runDevCommand({ ...flags, execution: "bundler" })).rejects.toThrow(/^--execution: must be eoa or/);
    await expect(runDevCommand({ ...flags, execution: "eoa", eoaFallback: true })).rejects.toThrow(
      /^dev --eoa-fallback: only with --execution erc4337/,
    );
    await expect(runDevCommand({ ...flags, execution: "erc4337", bundlerTimeout: "5" })).rejects.toThrow(
      /^dev --bundler-timeout: --bundler-timeout must be between 100 and 600000/,
    );
  });
});
