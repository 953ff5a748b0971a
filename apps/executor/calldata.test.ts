import { Interface, ZeroAddress, getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { loadArtifacts } from "../contracts/index.ts";
import { ExecutorCodec, V2_FLASH_SWAP, countPrecedingTouches } from "./calldata.ts";
import { orderSchema, orderToMessage, type Order, type PoolProtocol } from "../domain/index.ts";

const A = "0x00000000000000000000000000000000000000aa";
const B = "0x00000000000000000000000000000000000000bb";
const C = "0x00000000000000000000000000000000000000cc";
const WETH = "0x00000000000000000000000000000000000000e1";
const USDC = "0x00000000000000000000000000000000000000e2";

/** A live two-pool order in WETH: what the codec tests vary. */
const WETH_ORDER: Order = {
  opportunityId: "o",
  mode: "live",
  epoch: 1,
  blockNumber: 10,
  baseToken: WETH,
  pools: [A, B],
  tokens: [],
  amountIn: 10n ** 18n,
  predictedProfit: 5n,
  minProfit: 5n,
};

describe("countPrecedingTouches", () => {
  it.each([
    { name: "nothing before", logs: [{ address: A, transactionIndex: 3 }], txIndex: 3, want: 0 },
    {
      name: "one tx, two logs on the route",
      logs: [
        { address: A, transactionIndex: 0 },
        { address: B, transactionIndex: 0 },
      ],
      txIndex: 2,
      want: 1,
    },
    {
      name: "two txs",
      logs: [
        { address: A, transactionIndex: 0 },
        { address: B, transactionIndex: 1 },
      ],
      txIndex: 2,
      want: 2,
    },
    { name: "after it does not count", logs: [{ address: A, transactionIndex: 5 }], txIndex: 2, want: 0 },
    { name: "other pools do not count", logs: [{ address: C, transactionIndex: 0 }], txIndex: 2, want: 0 },
    {
      name: "addresses compare case-insensitively",
      logs: [{ address: A.toUpperCase().replace("0X", "0x"), transactionIndex: 1 }],
      txIndex: 2,
      want: 1,
    },
  ])("$name", ({ logs, txIndex, want }) => {
    expect(countPrecedingTouches(logs, [A, B], txIndex)).toBe(want);
  });

  it("counts touches in blocks after the pricing and before the trade's own, each transaction once", () => {
    const logs = [
      { address: A, transactionIndex: 5, blockNumber: 11 },
      { address: B, transactionIndex: 5, blockNumber: 11 },
      { address: C, transactionIndex: 0, blockNumber: 12 },
      { address: B, transactionIndex: 0, blockNumber: 12 },
      { address: A, transactionIndex: 4, blockNumber: 12 },
    ];
    expect(countPrecedingTouches(logs, [A, B], 2, 12)).toBe(2);
    expect(countPrecedingTouches(logs, [A, B], 2, 11)).toBe(0);
  });
});

describe("ExecutorCodec", () => {
  it("names the contract's custom errors in a revert, and passes unknown data through", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const data = codec.iface.encodeErrorResult("InsufficientProfit", [5n, 10n]);
    expect(codec.describeRevert(data)).toBe("InsufficientProfit(5, 10)");
    expect(codec.describeRevert("0x")).toBe("reverted without data");
    expect(codec.describeRevert("0x08c379a0")).toBe("reverted: 0x08c379a0");
  });

  it("reads the profit execute() returns as ethers reads it, and refuses return data that holds none", async () => {
    const { ArbExecutor } = await loadArtifacts();
    const codec = new ExecutorCodec(ArbExecutor.abi);
    const iface = new Interface(ArbExecutor.abi);
    for (const profit of [0n, 1n, 10n ** 18n + 7n, (1n << 256n) - 1n]) {
      const data = iface.encodeFunctionResult("execute", [profit]);
      expect(codec.decodeProfit(data)).toBe(profit);
      expect(codec.decodeProfit(data)).toBe(BigInt(iface.decodeFunctionResult("execute", data)[0] as bigint));
    }
    expect(() => codec.decodeProfit("0x")).toThrow(/execute\(\) answered 0x, not a uint256/);
    expect(() => codec.decodeProfit("0x1234")).toThrow(/not a uint256/);
  });

  it("encodes execute() so that it decodes to the order's route, fees and deadline", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const order = orderSchema.parse({
      opportunityId: "o1",
      mode: "sim",
      epoch: 1,
      blockNumber: 10,
      baseToken: WETH,
      pools: [A, B],
      tokens: [WETH, USDC, WETH],
      amountIn: "1000",
      predictedProfit: "7",
      minProfit: "5",
    });
    const [baseToken, hops, amountIn, minProfit, flash, deadline, deadlineTime] = codec.iface.decodeFunctionData(
      "execute",
      codec.encodeExecute(order, [30, 25], V2_FLASH_SWAP, 12, 1_800_000_000),
    );
    expect(String(baseToken).toLowerCase()).toBe(WETH);
    // (pool, protocol 0 = Uniswap-V2, fee): an order naming no protocols is all V2.
    expect([...hops].map((h) => [String(h[0]).toLowerCase(), h[1], h[2]])).toEqual([
      [A, 0n, 30n],
      [B, 0n, 25n],
    ]);
    expect([flash[0], flash[1]]).toEqual([0n, ZeroAddress]);
    expect([amountIn, minProfit, deadline, deadlineTime]).toEqual([1000n, 5n, 12n, 1_800_000_000n]);
    // No block deadline (Arbitrum): the largest uint256, which no block number reaches.
    const [, , , , , none] = codec.iface.decodeFunctionData(
      "execute",
      codec.encodeExecute(order, [30, 25], V2_FLASH_SWAP, null, 1),
    );
    expect(none).toBe(2n ** 256n - 1n);
  });

  it("encodes a V3 hop with no fee of its own and the chosen lender", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const order = orderSchema.parse({
      opportunityId: "o2",
      mode: "sim",
      epoch: 1,
      blockNumber: 10,
      baseToken: WETH,
      pools: [A, B],
      tokens: [WETH, USDC, WETH],
      protocols: ["uniswap-v3", "uniswap-v2"],
      amountIn: "1000",
      predictedProfit: "7",
      minProfit: "5",
    });
    const lender = "0x00000000000000000000000000000000000000aa";
    const [, hops, , , flash] = codec.iface.decodeFunctionData(
      "execute",
      codec.encodeExecute(order, [30, 30], { source: "aave-v3", lender }, null, null),
    );
    expect([...hops].map((h) => [h[1], h[2]])).toEqual([
      [1n, 0n],
      [0n, 30n],
    ]);
    expect([flash[0], String(flash[1]).toLowerCase()]).toEqual([3n, lender]);
  });
});

describe("ExecutorCodec's own encoding, held to ethers'", () => {
  /** mulberry32: a seeded stream of integers below n, the same every run. */
  const random = (seed: number) => {
    let a = seed;
    return (n: number) => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
  };
  const address = (pick: (n: number) => number) =>
    `0x${Array.from({ length: 40 }, () => "0123456789abcdef"[pick(16)]).join("")}`;

  it("writes what ethers writes and reads the route ethers reads, for 200 orders of every shape", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const pick = random(7);
    const sources = ["v2-flash-swap", "v3-flash", "balancer", "aave-v3"] as const;
    for (let k = 0; k < 200; k++) {
      const n = 2 + pick(3);
      const pools = Array.from({ length: n }, () => address(pick));
      const protocols = pools.map((): PoolProtocol => (pick(2) === 0 ? "uniswap-v2" : "uniswap-v3"));
      const order: Order = {
        opportunityId: `o${k}`,
        mode: "live",
        epoch: 1,
        blockNumber: 10,
        // Checksummed now and then, as a profile may list a token.
        baseToken: pick(2) === 0 ? address(pick) : getAddress(address(pick)),
        pools,
        tokens: [],
        ...(pick(3) === 0 ? {} : { protocols }),
        amountIn: BigInt(pick(1_000_000)) * 10n ** BigInt(pick(60)),
        predictedProfit: 1n,
        minProfit: BigInt(pick(1000)),
      };
      const fees = pools.map(() => pick(10_000));
      const source = sources[pick(4)]!;
      const flash = { source, lender: source === "v2-flash-swap" ? null : address(pick) };
      const block = pick(3) === 0 ? null : pick(2 ** 31);
      const time = pick(3) === 0 ? null : 1_700_000_000 + pick(1000);
      const ours = codec.encodeExecute(order, fees, flash, block, time);
      const theirs = codec.iface.encodeFunctionData("execute", [
        order.baseToken,
        pools.map((p, i) => [
          p,
          order.protocols?.[i] === "uniswap-v3" ? 1 : 0,
          order.protocols?.[i] === "uniswap-v3" ? 0 : fees[i]!,
        ]),
        order.amountIn,
        order.minProfit,
        [sources.indexOf(source), flash.lender ?? ZeroAddress],
        block ?? 2n ** 256n - 1n,
        time ?? 2n ** 256n - 1n,
      ]);
      expect(ours).toBe(theirs);
      const [base, hops, , , f] = codec.iface.decodeFunctionData("execute", theirs);
      const lender = `${f[0]}:${f[1]}`;
      const route = [...hops].map((h) => `${h[0]}:${h[1]}:${h[2]}`).join(",");
      const shape = [...hops].map((h) => String(h[1])).join(",");
      expect(codec.routeOf(ours)).toEqual({
        route: `${base}|${route}|${lender}`.toLowerCase(),
        shape: `${base}|${shape}|${lender}`.toLowerCase(),
      });
    }
  });

  it("refuses what ethers refuses: a bad checksum, an amount outside uint256, a fee outside uint16", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const order: Order = { ...WETH_ORDER, amountIn: 1000n, predictedProfit: 7n };
    const badChecksum = getAddress(address(random(3))).replace(/[a-f]/, (c) => c.toUpperCase());
    expect(() => codec.encodeExecute({ ...order, pools: [A, badChecksum] }, [30, 30], V2_FLASH_SWAP, 1, 1)).toThrow(
      /hop 1 pool .* is not an address/,
    );
    expect(() => codec.encodeExecute({ ...order, amountIn: -1n }, [30, 30], V2_FLASH_SWAP, 1, 1)).toThrow(
      /amountIn -1 is not a uint256/,
    );
    expect(() => codec.encodeExecute({ ...order, minProfit: 2n ** 256n }, [30, 30], V2_FLASH_SWAP, 1, 1)).toThrow(
      /minProfit/,
    );
    expect(() => codec.encodeExecute(order, [30, 70_000], V2_FLASH_SWAP, 1, 1)).toThrow(/hop 1 fee 70000/);
  });

  it("reads no route from calldata that is not an execute() call", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const call = codec.encodeExecute(WETH_ORDER, [30, 30], V2_FLASH_SWAP, 1, 1);
    expect(() => codec.routeOf(`0xdeadbeef${call.slice(10)}`)).toThrow(/not an execute\(\) call/);
    expect(() => codec.routeOf(call.slice(0, call.length - 64))).toThrow(/word 14 is missing/);
  });

  it("reads a Trade event's profit as ethers parses it, past other contracts' logs and other events", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const contract = "0x00000000000000000000000000000000000000ee";
    const trade = codec.iface.getEvent("Trade")!;
    const log = (address: string, profit: bigint) => ({
      address,
      ...codec.iface.encodeEventLog(trade, [WETH, [A, B, C], 10n ** 18n, profit, 2]),
    });
    const other = { address: contract, ...codec.iface.encodeEventLog("OperatorChanged", [A]) };
    for (const profit of [0n, 1n, 12_345_678_901_234_567_890n, 2n ** 256n - 1n]) {
      const logs = [log(A, 5n), other, log(contract, profit)];
      expect(codec.tradeProfit(logs, contract)).toBe(profit);
      expect(BigInt(codec.iface.parseLog(logs[2]!)!.args.profit)).toBe(profit);
    }
    expect(codec.tradeProfit([log(A, 5n), other], contract)).toBeNull();
    expect(() => codec.tradeProfit([{ ...log(contract, 1n), data: "0x00" }], contract)).toThrow(/too short/);
  });

  it("takes no ABI whose execute() is laid out otherwise", () => {
    const abi = ["function execute(address baseToken, uint256 amountIn) returns (uint256)"];
    expect(() => new ExecutorCodec(abi)).toThrow(/execute\(address,uint256\), not execute\(address,/);
  });
});

describe("orderSchema", () => {
  const wire = {
    opportunityId: "o1",
    mode: "live",
    epoch: 2,
    blockNumber: 10,
    baseToken: WETH.toUpperCase().replace("0X", "0x"),
    pools: [A, B],
    tokens: [WETH, USDC, WETH],
    amountIn: "1000",
    predictedProfit: "7",
    minProfit: "5",
  };

  it("parses the wire form into bigints and lowercase addresses, and round-trips", () => {
    const order = orderSchema.parse(wire);
    expect(order.baseToken).toBe(WETH);
    expect(order.amountIn).toBe(1000n);
    expect(orderSchema.parse(orderToMessage(order))).toEqual(order);
  });

  it.each([
    { name: "a route of one pool", patch: { pools: [A], tokens: [WETH, WETH] } },
    { name: "tokens not matching the pools", patch: { tokens: [WETH, USDC, USDC, WETH] } },
    { name: "a cycle not closing at the base token", patch: { tokens: [WETH, USDC, USDC] } },
    { name: "a fractional amount", patch: { amountIn: "1.5" } },
    { name: "a negative profit", patch: { minProfit: "-1" } },
    { name: "an unknown mode", patch: { mode: "paper" } },
    { name: "protocols not matching the pools", patch: { protocols: ["uniswap-v2", "uniswap-v3", "uniswap-v2"] } },
    { name: "an unknown protocol", patch: { protocols: ["uniswap-v2", "curve"] } },
  ])("refuses $name", ({ patch }) => {
    expect(orderSchema.safeParse({ ...wire, ...patch }).success).toBe(false);
  });
});

describe("ExecutorCodec.routeOf", () => {
  it("is the same for orders of one route whatever their amounts and deadlines; the shape drops the pools only", async () => {
    const codec = new ExecutorCodec((await loadArtifacts()).ArbExecutor.abi);
    const order: Order = {
      ...WETH_ORDER,
      tokens: [WETH, USDC, WETH],
    };
    const key = (o: Order, flash = V2_FLASH_SWAP, deadline = 12) =>
      codec.routeOf(codec.encodeExecute(o, [30, 30], flash, deadline, 1_800_000_000 + deadline));
    expect(key({ ...order, amountIn: 3n, minProfit: 1n }, V2_FLASH_SWAP, 99)).toEqual(key(order));
    // Other pools: another route of the same shape.
    expect(key({ ...order, pools: [B, A] }).route).not.toBe(key(order).route);
    expect(key({ ...order, pools: [B, A] }).shape).toBe(key(order).shape);
    expect(key({ ...order, protocols: ["uniswap-v3", "uniswap-v2"] }).shape).not.toBe(key(order).shape);
    expect(key(order, { source: "aave-v3", lender: C }).shape).not.toBe(key(order).shape);
  });
});
