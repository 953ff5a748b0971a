/** An ERC-20 token as the core sees it. `address` is lowercase hex; callers normalise at the edge. */
export interface Token {
  address: string;
  symbol: string;
  decimals: number;
}

/** Addresses compare case-insensitively on chain; the core keys everything by the lowercase form. */
export function normalizeAddress(address: string): string {
  return address.toLowerCase();
}
