/**
 * ABI words written and read directly, for the calls the executor makes on every order and every head (execute(),
 * balanceOf): ethers' coder spent 0.2-0.6 ms a call on them on this project's CI machine, and their layouts are fixed.
 * Each word is 64 hex digits, without the 0x prefix. Out-of-range values are refused as ethers refuses them.
 */
import { getAddress } from "ethers";

export const WORD_HEX = 64;
const MAX_UINT256 = (1n << 256n) - 1n;

/** A uint256 word, or RangeError naming the field. */
export function uintWord(value: bigint, field: string): string {
  if (value < 0n || value > MAX_UINT256) throw new RangeError(`${field} ${value} is not a uint256`);
  return value.toString(16).padStart(WORD_HEX, "0");
}

/** A word of a uint`bits` given as a number, or RangeError naming the field. */
export function smallWord(value: number, bits: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RangeError(`${field} ${value} is not a uint${bits}`);
  }
  return value.toString(16).padStart(WORD_HEX, "0");
}

/**
 * An address as lowercase 0x hex: lowercase as is (no checksum hash on the hot path), anything else through ethers'
 * getAddress (which refuses a bad checksum). Null for what is not an address.
 */
export function lowercaseAddress(address: string): string | null {
  if (/^0x[0-9a-f]{40}$/.test(address)) return address;
  try {
    return getAddress(address).toLowerCase();
  } catch {
    return null;
  }
}

/** An address word (lowercaseAddress). */
export function addressWord(address: string, field: string): string {
  const hex = lowercaseAddress(address);
  if (hex === null) throw new TypeError(`${field} ${address} is not an address`);
  return hex.slice(2).padStart(WORD_HEX, "0");
}

/** The uint256 in the first word of a call's return data (what a `returns (uint256)` function answers). */
export function firstUint(returnData: string, what: string): bigint {
  if (!/^0x[0-9a-fA-F]{64}/.test(returnData)) {
    throw new Error(`${what} answered ${returnData.slice(0, 20) || "nothing"}, not a uint256`);
  }
  return BigInt(returnData.slice(0, 2 + WORD_HEX));
}
