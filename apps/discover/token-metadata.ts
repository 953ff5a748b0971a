/**
 * Judging what a token answered to decimals() and symbol(): pure, so the rules are tested without a chain. A token
 * is usable only if both answers make sense; anything else (no code, a revert, garbage) is skipped and counted.
 */
import { AbiCoder, toUtf8String } from "ethers";

/** More decimals than any real token uses; 10^36 base units per unit still fits every V2 reserve. */
export const MAX_DECIMALS = 36;
const MAX_SYMBOL_LENGTH = 32;

export type TokenAnswer = { ok: true; symbol: string; decimals: number } | { ok: false; reason: string };

export function judgeToken(decimalsRet: string, symbolRet: string): TokenAnswer {
  const decimals = decodeDecimals(decimalsRet);
  if (decimals === null) return { ok: false, reason: "decimals() gave no sensible answer" };
  const symbol = decodeSymbol(symbolRet);
  if (symbol === null) return { ok: false, reason: "symbol() gave no sensible answer" };
  return { ok: true, symbol, decimals };
}

/** A uint in one 32-byte word, at most MAX_DECIMALS; null otherwise. */
export function decodeDecimals(ret: string): number | null {
  const hex = ret.startsWith("0x") ? ret.slice(2) : ret;
  if (hex.length !== 64 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  const value = BigInt(`0x${hex}`);
  return value <= BigInt(MAX_DECIMALS) ? Number(value) : null;
}

/** An ABI string, or a NUL-padded bytes32 (the older MKR style); printable and short, else null. */
export function decodeSymbol(ret: string): string | null {
  const hex = ret.startsWith("0x") ? ret.slice(2) : ret;
  if (hex.length === 0 || hex.length % 64 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  let text: string;
  try {
    text =
      hex.length === 64
        ? toUtf8String(`0x${hex}`).replace(/\0+$/, "")
        : (AbiCoder.defaultAbiCoder().decode(["string"], `0x${hex}`)[0] as string);
  } catch {
    return null;
  }
  text = text.trim();
  if (text.length === 0 || text.length > MAX_SYMBOL_LENGTH) return null;
  // Control characters or a replacement character mean bytes that were never meant as text.
  if ([...text].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f" || c === "\ufffd")) return null;
  return text;
}
