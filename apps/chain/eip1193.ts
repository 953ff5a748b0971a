/** The JSON-RPC surface every chain access speaks: the devnet in-process or over HTTP, or a real node. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
