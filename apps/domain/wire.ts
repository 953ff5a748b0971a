import { z } from "zod";

/**
 * The patterns behind the schemas below, for edges that describe the same values with another zod: the API's route
 * schemas are zod/v4 and cannot embed these (zod 3) schemas.
 */
export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
export const UINT_PATTERN = /^(0|[1-9]\d*)$/;

/**
 * Wire primitives every message, row and file shares: amounts are bigints in base units that travel as decimal
 * strings (JSON has no integer wide enough), addresses compare case-insensitively and are kept lowercase.
 */
export const address = z
  .string()
  .regex(ADDRESS_PATTERN, "must be a 0x-prefixed 20-byte hex address")
  .transform((a) => a.toLowerCase());

/** A non-negative integer as a canonical decimal string (no sign, no leading zeros). */
export const uint = z
  .string()
  .regex(UINT_PATTERN, "must be a non-negative integer in base units, as a decimal string")
  .transform((s) => BigInt(s));

/** A signed integer as a canonical decimal string (net results can be losses). */
export const int = z
  .string()
  .regex(/^-?(0|[1-9]\d*)$/, "must be an integer as a decimal string")
  .transform((s) => BigInt(s));

/** A uint on the wire, or already a bigint when the message never left the process. */
export const uintOrBigint = z.union([uint, z.bigint().nonnegative()]);

export const blockNumber = z.number().int().nonnegative();
