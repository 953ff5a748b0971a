import { describe, expect, it } from "vitest";
import { ChainConnectError, splitRpcUrls } from "./connect.ts";

describe("splitRpcUrls", () => {
  it("gives ws(s) URLs the heads and http(s) URLs the requests", () => {
    expect(splitRpcUrls(["wss://a/ws", "https://a", "WS://b", "http://b"])).toEqual({
      heads: ["wss://a/ws", "WS://b"],
      requests: ["https://a", "http://b"],
    });
    expect(splitRpcUrls(["http://a"])).toEqual({ heads: [], requests: ["http://a"] });
  });

  it("refuses WebSocket URLs alone, naming the URL: requests go over http(s) only", () => {
    expect(() => splitRpcUrls(["ws://127.0.0.1:8546"])).toThrow(ChainConnectError);
    expect(() => splitRpcUrls(["ws://127.0.0.1:8546"])).toThrow(
      "--rpc ws://127.0.0.1:8546: a WebSocket URL gives new heads only; add an http(s) --rpc URL for requests",
    );
  });
});
