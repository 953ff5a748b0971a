import { InputError } from "../errors.ts";

/** The execution routes a run can be given; only the EOA route is wired into the executor so far. */
export type ExecutionRoute = "eoa";

/**
 * `--execution eoa|erc4337` for `orion dev` and `orion trade`. ERC-4337 is a known route whose contracts, bundler and
 * sponsorship exist (apps/erc4337) but which the executor does not use yet: it is refused with that reason, exit 2.
 */
export function parseExecution(value: unknown): ExecutionRoute {
  if (value === undefined || value === "eoa") return "eoa";
  if (value === "erc4337") {
    throw new InputError(
      "--execution erc4337: not available yet (the executor does not submit user operations yet); use --execution eoa",
    );
  }
  throw new InputError(`--execution: must be eoa or erc4337, got "${String(value)}"`);
}
