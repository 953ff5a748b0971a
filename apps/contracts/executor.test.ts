import { AbiCoder, Contract, Interface, MaxUint256, Wallet, ZeroAddress } from "ethers";
import type { JsonFragment } from "ethers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteOpportunity } from "../core/index.ts";
import type { Opportunity } from "../core/index.ts";
import { startLocalChain } from "../chain/local-chain.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { compileContracts, loadArtifacts } from "./index.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let arb: Interface;
let token: Interface;
let owner: Wallet;

/** execute() calldata of a V2 route funded by a flash swap from its first pool; the time deadline defaults to none
 * (the largest uint256), the block deadline is given. */
function executeData(
  o: Pick<Opportunity, "baseToken" | "pools" | "amountIn">,
  minProfit: bigint,
  deadlineBlock: number | bigint,
  deadlineTime: number | bigint = MaxUint256,
) {
  return arb.encodeFunctionData("execute", [
    o.baseToken,
    o.pools.map((pool) => [pool, 0, 30]),
    o.amountIn,
    minProfit,
    [0, ZeroAddress],
    deadlineBlock,
    deadlineTime,
  ]);
}

/** The custom error an eth_call reverted with, decoded from the executor's ABI. */
async function revertOf(from: string, data: string): Promise<string> {
  try {
    await provider.call({ from, to: chain.markets.executor.address, data });
  } catch (err) {
    const revertData = (err as { data?: string }).data;
    if (!revertData) throw err;
    return arb.parseError(revertData)?.name ?? "unknown";
  }
  throw new Error("expected a revert");
}

async function balanceOf(tokenAddress: string, holder: string): Promise<bigint> {
  return BigInt(await new Contract(tokenAddress, token, provider).getFunction("balanceOf")(holder));
}

beforeAll(async () => {
  chain = await startLocalChain({ seed: 11 });
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  const artifacts = await loadArtifacts();
  arb = new Interface(artifacts.ArbExecutor.abi);
  token = new Interface(artifacts.TestToken.abi);
  owner = new Wallet(chain.executorAccount.privateKey, provider);
});

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

describe("ArbExecutor", () => {
  it("takes a flash-swap arbitrage with the profit the off-chain quote predicts, to the wei", async () => {
    const { opportunity, state } = await createArbitrage(chain, provider);
    const poolsByAddress = new Map(state.pools().map((p) => [p.address, p]));
    const amounts = quoteOpportunity(opportunity, poolsByAddress);
    const predicted = (amounts[amounts.length - 1] as bigint) - opportunity.amountIn;
    expect(predicted).toBe(opportunity.profit);
    expect(predicted).toBeGreaterThan(0n);

    const { executor, treasury, baseToken } = {
      executor: chain.markets.executor.address,
      treasury: chain.markets.executor.treasury,
      baseToken: chain.markets.baseToken,
    };
    const treasuryBefore = await balanceOf(baseToken, treasury);
    const block = await provider.getBlockNumber();
    const tx = await owner.sendTransaction({
      to: executor,
      data: executeData(opportunity, predicted, block + 1),
      gasLimit: 600_000n,
    });
    await chain.devnet.mine();
    const receipt = await provider.getTransactionReceipt(tx.hash);
    expect(receipt?.status).toBe(1);
    const events = receipt!.logs
      .filter((l) => l.address.toLowerCase() === executor)
      .map((l) => arb.parseLog(l))
      .filter((e) => e?.name === "Trade");
    expect(events).toHaveLength(1);
    expect(events[0]!.args.profit).toBe(predicted);
    expect(events[0]!.args.amountIn).toBe(opportunity.amountIn);
    expect(await balanceOf(baseToken, treasury)).toBe(treasuryBefore + predicted);
    for (const t of new Set(opportunity.tokens)) expect(await balanceOf(t, executor)).toBe(0n);
  });

  it("quotes every amount exactly as the off-chain math does (eth_call, random amounts and routes)", async () => {
    const { opportunity, state } = await createArbitrage(chain, provider);
    const poolsByAddress = new Map(state.pools().map((p) => [p.address, p]));
    const block = await provider.getBlockNumber();
    const routes = [opportunity.pools, [...opportunity.pools].reverse()];
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: opportunity.amountIn * 3n }),
        fc.constantFrom(...routes),
        async (amountIn, pools) => {
          const trade = { baseToken: opportunity.baseToken, pools, amountIn };
          const amounts = quoteOpportunity(trade, poolsByAddress);
          const profit = (amounts[amounts.length - 1] as bigint) - amountIn;
          const data = executeData(trade, 0n, block + 1);
          if (profit >= 0n) {
            const ret = await provider.call({ from: owner.address, to: chain.markets.executor.address, data });
            expect(arb.decodeFunctionResult("execute", ret)[0]).toBe(profit);
          } else {
            expect(await revertOf(owner.address, data)).toBe("InsufficientProfit");
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("reverts a route that does not make the minimum profit", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const block = await provider.getBlockNumber();
    const reversed = { ...opportunity, pools: [...opportunity.pools].reverse() };
    expect(await revertOf(owner.address, executeData(reversed, 0n, block + 1))).toBe("InsufficientProfit");
    expect(await revertOf(owner.address, executeData(opportunity, opportunity.profit + 1n, block + 1))).toBe(
      "InsufficientProfit",
    );
  });

  it("refuses a stranger, and the owner too: only the operator sends trades", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const block = await provider.getBlockNumber();
    expect(await revertOf(chain.markets.traders[1]!, executeData(opportunity, 0n, block + 1))).toBe("NotOperator");
    expect(chain.markets.executor.owner).not.toBe(chain.markets.executor.operator);
    expect(await revertOf(chain.markets.executor.owner, executeData(opportunity, 0n, block + 1))).toBe("NotOperator");
  });

  it("refuses a callback from anyone but the pool it is flash-swapping from", async () => {
    const executor = chain.markets.executor.address;
    const pool = chain.markets.pools[0]!.address;
    const data = arb.encodeFunctionData("uniswapV2Call", [executor, 1n, 0n, "0x"]);
    // A fake pool (any caller) outside an execution, and a real pool's address spoofed as the caller.
    expect(await revertOf(chain.markets.traders[2]!, data)).toBe("UnexpectedCallback");
    expect(await revertOf(pool, data)).toBe("UnexpectedCallback");
  });

  it("refuses a hostile pool that calls back with data of its own, as the first hop or a later one", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const fixture = (await compileContracts()).MaliciousPair!;
    const iface = new Interface(fixture.abi as JsonFragment[]);
    // Two-hop routes from whatever cycle the scanner found: its first pool, or its last one, beside a hostile pair.
    const { tokens, pools: found } = opportunity;
    const base = tokens[0]!;
    const [first, firstOut] = [found[0]!, tokens[1]!];
    const [last, lastIn] = [found[found.length - 1]!, tokens[tokens.length - 2]!];
    // The executor's own callback layout (base token, hops, amount), routing through an attacker instead.
    const forged = AbiCoder.defaultAbiCoder().encode(
      ["address", "tuple(address,uint8,uint16)[]", "uint256", "uint256"],
      [base, [[chain.markets.traders[4], 0, 30]], 10n ** 18n, 0n],
    );
    /** A pair that quotes a fortune for selling tokenIn, so the route looks profitable and reaches its swap. */
    async function hostilePair(tokenIn: string, tokenOut: string): Promise<string> {
      const [t0, t1] = [tokenIn, tokenOut].sort();
      const [r0, r1] = t0 === tokenIn ? [1_000n, 10n ** 30n] : [10n ** 30n, 1_000n];
      const tx = await owner.sendTransaction({
        data: fixture.bytecode + iface.encodeDeploy([t0, t1, r0, r1, forged]).slice(2),
      });
      await chain.devnet.mine();
      return (await provider.getTransactionReceipt(tx.hash))!.contractAddress!.toLowerCase();
    }
    const block = await provider.getBlockNumber();
    const routes = [
      // First hop: the pool the executor flash-swaps from calls back, but with other data than it was sent.
      [await hostilePair(base, lastIn), last],
      // Later hop: a pool the executor merely swaps on calls back, outside any flash swap it expects.
      [first, await hostilePair(firstOut, base)],
    ];
    for (const pools of routes) {
      const data = executeData({ baseToken: base, pools, amountIn: opportunity.amountIn }, 0n, block + 2);
      expect(await revertOf(owner.address, data)).toBe("UnexpectedCallback");
    }
  });

  it("reverts after its deadline block", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const block = await provider.getBlockNumber();
    // A deadline behind the chain head: the order is stale, whatever the route would pay.
    expect(await revertOf(owner.address, executeData(opportunity, 0n, block - 1))).toBe("Expired");
  });

  it("reverts after its deadline time, with no block deadline at all (Arbitrum: block.number is not the L2's)", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const head = await provider.getBlock("latest");
    const now = head!.timestamp;
    // eth_call at "latest" runs with the head's timestamp: a deadline a second before it has passed.
    expect(await revertOf(owner.address, executeData(opportunity, 0n, MaxUint256, now - 1))).toBe("ExpiredAt");
    const ok = await provider.call({
      from: owner.address,
      to: chain.markets.executor.address,
      data: executeData(opportunity, 0n, MaxUint256, now + 30),
    });
    expect(arb.decodeFunctionResult("execute", ok)[0]).toBe(opportunity.profit);

    // Mined for real: an order signed with a time deadline that has passed by the time its block comes reverts.
    await provider.send("evm_increaseTime", [3_600]);
    const tx = await owner.sendTransaction({
      to: chain.markets.executor.address,
      data: executeData(opportunity, 0n, MaxUint256, now + 30),
      gasLimit: 500_000n,
    });
    await chain.devnet.mine();
    const receipt = await provider.getTransactionReceipt(tx.hash);
    expect(receipt?.status).toBe(0);
  });
});
