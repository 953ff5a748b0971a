import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalChain, devAccounts, type LocalChain } from "../chain/index.ts";
import { createChainChecks } from "./chain-checks.ts";

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain({ seed: 3 });
  await chain.devnet.mine(1);
});
afterAll(async () => chain.close());

function checks(
  over: { operator?: string; minBalanceWei?: bigint; chainId?: number; maxAge?: number; executor?: string } = {},
) {
  return createChainChecks({
    rpc: chain.devnet.provider,
    chainId: over.chainId ?? 31337,
    maxHeadAgeSeconds: over.maxAge ?? 60,
    executor: {
      address: over.executor ?? chain.markets.executor.address,
      operator: over.operator ?? chain.markets.executor.operator,
    },
    signer: { address: async () => chain.executorAccount.address, minBalanceWei: over.minBalanceWei ?? 10n ** 17n },
  });
}

describe("chain pre-flight checks on the in-process devnet", () => {
  it("pass for the deployed executor operated by the signer and a funded signer on a current chain", async () => {
    const c = checks();
    expect(await c.rpc?.()).toMatchObject({ ok: true });
    expect(await c.executor?.()).toMatchObject({
      ok: true,
      detail: expect.stringContaining(chain.markets.executor.operator),
    });
    expect(await c.signer?.()).toMatchObject({ ok: true });
  });

  it("fail with a reason for the wrong chain, a wrong operator, no contract, an unfunded signer", async () => {
    expect(await checks({ chainId: 137 }).rpc?.()).toMatchObject({
      ok: false,
      detail: expect.stringContaining("expected 137"),
    });
    expect(await checks({ operator: devAccounts()[5]?.address }).executor?.()).toMatchObject({ ok: false });
    expect(await checks({ executor: devAccounts()[6]?.address }).executor?.()).toMatchObject({
      ok: false,
      detail: expect.stringContaining("no contract"),
    });
    expect(await checks({ minBalanceWei: 10n ** 30n }).signer?.()).toMatchObject({ ok: false });
  });
});
