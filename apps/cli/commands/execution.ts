import type { ExecutionRouteKind } from "../../domain/index.ts";
import { InputError } from "../errors.ts";

/**
 * `--execution eoa|erc4337` for `orion dev` and `orion trade`. Both are routes of the executor; where one cannot run
 * (the command, not the flag, knows why) the command refuses it with the reason, exit 2.
 */
export function parseExecution(value: unknown): ExecutionRouteKind {
  if (value === undefined || value === "eoa") return "eoa";
  if (value === "erc4337") return "erc4337";
  throw new InputError(`--execution: must be eoa or erc4337, got "${String(value)}"`);
}
