import { Interface, Wallet } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deploy } from "../chain/deploy.ts";
import { devAccounts } from "../chain/devnet.ts";
import { startLocalChain, type LocalChain } from "../chain/local-chain.ts";
import { eip1193Transport, FailoverProvider } from "../chain/rpc.ts";
import { Rng } from "../chain/rng.ts";
import { createArbitrage, outbid } from "../chain/testing/arbitrage.ts";
import { startLocalRelay, type LocalRelay } from "../chain/local-relay.ts";
import { loadArtifacts } from "../contracts/index.ts";
import type { Opportunity } from "../core/index.ts";
import { createPgPool, PgTradeJournal } from "../store/index.ts";
import { Executor, type ExecutorDeps, type ExecutorOptions, type Submission, type TradeResult } from "./executor.ts";
import type { BundleRetarget } from "./routes/eoa.ts";
import type { Broadcaster } from "./submission/broadcaster.ts";
import { privateKeySigner } from "./signer.ts";
import { bundleRelay, BundleRefused } from "./submission/bundle-relay.ts";
import { orderFor } from "./testing/orders.ts";

/**
 * Issue #17 item 3: private submission. Trades go as bundles to a relay on 127.0.0.1 that builds the devnet's
 * blocks: a bundle lands only in the block it targets and only if it does not revert, and the higher bid wins.
 */
let chain: LocalChain;
let provider: FailoverProvider;
let relay: LocalRelay;
let db: TestDatabase;
let pool: pg.Pool;
let abi: ExecutorDeps["contract"]["abi"];
/** A second trader after the same opportunities: devnet account 3, with its own ArbExecutor. */
const rival = devAccounts(4)[3] as { address: string; privateKey: string };
let rivalContract: string;
const reputation = Wallet.createRandom();

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 33 }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
  relay = await startLocalRelay(chain.devnet.provider);
  const artifacts = await loadArtifacts();
  abi = artifacts.ArbExecutor.abi;
  await chain.devnet.setAutomine(true);
  rivalContract = await deploy(
    chain.devnet.provider,
    rival.address,
    artifacts.ArbExecutor.bytecode,
    new Interface(abi),
    [rival.address, rival.address, rival.address],
  );
  await chain.devnet.setAutomine(false);
});

afterAll(async () => {
  provider?.destroy();
  await relay?.close();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

function executor(
  who: { address: string; privateKey: string; contract: string },
  key: string,
  bidShareBps: number,
  extra: ExecutorOptions = {},
): Executor {
  return new Executor({
    provider,
    journal: new PgTradeJournal(pool),
    readMode: async () => "live",
    contract: { address: who.contract, abi },
    account: who.address.toLowerCase(),
    signer: privateKeySigner(who.privateKey),
    feeOf: () => 30,
    // The relay tries a bundle on a block it may take back (a reorg, to the executor): final one block on top.
    options: {
      broadcaster: bundleRelay({ url: relay.url, reputationKey: key }),
      bidShareBps,
      receiptPollMs: 5,
      confirmations: 1,
      ...extra,
    },
  });
}

const ours = (share = 5_000, extra: ExecutorOptions = {}) =>
  executor({ ...chain.executorAccount, contract: chain.markets.executor.address }, reputation.privateKey, share, extra);
const theirs = (share: number) =>
  executor({ ...rival, contract: rivalContract }, Wallet.createRandom().privateKey, share);

/** The orchestrator's order: a minimum profit under the prediction leaves room for a bid. */
const liveOrder = (o: Opportunity) => orderFor(pool, provider, "live", o, o.profit / 10n);

function sent(s: Submission): Extract<Submission, { kind: "sent" }> {
  if (s.kind !== "sent") throw new Error(`expected a hand-over, got ${JSON.stringify(s, (_, v) => String(v))}`);
  return s;
}

async function pendingTxCount(): Promise<number> {
  const block = (await provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
  return block.transactions.length;
}

/** A plain transfer by the rival on its next nonce, signed: a one-transaction bundle that lands wherever it is tried. */
function rivalTransfer(): Promise<string> {
  return provider.getTransactionCount(rival.address, "latest").then((nonce) =>
    new Wallet(rival.privateKey).signTransaction({
      to: rival.address,
      value: 0n,
      nonce,
      gasLimit: 21_000n,
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
      chainId: 31337n,
    }),
  );
}

/** Builds blocks through the relay until the promise settles (a dropped bundle needs its deadline to pass). */
async function buildUntil<T>(p: Promise<T>, max = 5): Promise<T> {
  let done = false;
  void p.finally(() => (done = true)).catch(() => undefined);
  for (let i = 0; i < max && !done; i++) {
    await relay.buildBlock();
    await new Promise((r) => setTimeout(r, 30));
  }
  return p;
}

describe("trades sent as bundles to a relay", () => {
  it("lands in its target block, signed by the reputation key, realizing its prediction; no mempool saw it", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = ours();
    await ex.reconcile();
    const s = sent(await ex.submit(await liveOrder(opportunity)));
    expect(await pendingTxCount()).toBe(0);
    expect(relay.pending()).toBe(1);
    const head = await provider.getBlockNumber();
    const built = await relay.buildBlock();
    expect(built.number).toBe(head + 1);
    expect(built.included?.signer).toBe(reputation.address.toLowerCase());
    const result = await buildUntil(s.final);
    expect(result).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit, blockNumber: head + 1 });
  });

  it("a bundle that would revert is left out and costs nothing; its nonce goes to the next trade", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const account = chain.executorAccount.address;
    const before = {
      balance: await provider.getBalance(account),
      nonce: await provider.getTransactionCount(account, "latest"),
    };
    const ex = ours();
    await ex.reconcile();
    const s = sent(await ex.submit(await liveOrder(opportunity)));
    // A public swap that takes the opportunity (buys through the first pool) is mined by another builder first.
    await outbid(chain, provider, {
      trader: chain.markets.traders[1] as string,
      pool: opportunity.pools[0] as string,
      tokenIn: opportunity.tokens[0] as string,
      amountIn: opportunity.amountIn * 3n,
    });
    await chain.devnet.mine();
    // The executor hands the trade over again for the next block, where it would revert: the relay leaves it out.
    await expect.poll(() => relay.pending()).toBe(2);
    const built = await relay.buildBlock();
    expect(built.included).toBeNull();
    expect(built.reverted).toHaveLength(1);
    // Its call failed at the head: no block was mined for it and taken back (a reorg to anyone following heads).
    expect(built.takenBack).toBe(0);
    expect((await provider.getBlock(built.number))?.transactions).toHaveLength(0);
    const result = await buildUntil(s.final);
    expect(result.status).toBe("dropped");
    expect(await provider.getBalance(account)).toBe(before.balance);
    expect(await provider.getTransactionCount(account, "latest")).toBe(before.nonce);

    const next = await createArbitrage(chain, provider);
    const s2 = sent(await ex.submit(await liveOrder(next.opportunity)));
    expect(s2.nonce).toBe(s.nonce);
    expect((await buildUntil(s2.final)).status).toBe("confirmed");
  });

  it("a bundle whose block was built elsewhere goes again for the next block, within its deadline", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = ours();
    await ex.reconcile();
    const s = sent(await ex.submit(await liveOrder(opportunity)));
    // Another builder produced the target block without the bundle.
    await chain.devnet.mine();
    expect(relay.pending()).toBe(1);
    // The executor sees its block pass and hands the same transaction over for the next one.
    await expect.poll(() => relay.pending()).toBe(2);
    expect((await buildUntil(s.final)).status).toBe("confirmed");
  });

  /**
   * The relay builds on its own clock: here it builds the target block while the bundle is on its way (the first
   * hand-over waits for that build), so the relay refuses it as it would an order that came late.
   */
  function lateByOneBlock(before?: () => Promise<void>): Broadcaster {
    const relayed = bundleRelay({ url: relay.url, reputationKey: reputation.privateKey });
    let first = true;
    return {
      kind: "bundle",
      expiresWithBlock: true,
      async broadcast(raw, targetBlock) {
        if (first) {
          first = false;
          await before?.();
          expect((await relay.buildBlock()).number).toBe(targetBlock);
        }
        await relayed.broadcast(raw, targetBlock);
      },
    };
  }

  it("a bundle that comes after its target block was built goes for the next one, within its deadline", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const outcomes: BundleRetarget[] = [];
    const ex = ours(5_000, { broadcaster: lateByOneBlock(), onBundleRetarget: (_o, r) => outcomes.push(r) });
    await ex.reconcile();
    const head = await provider.getBlockNumber();
    const s = sent(await ex.submit(await liveOrder(opportunity)));
    expect(outcomes).toEqual(["retargeted"]);
    const result = await buildUntil(s.final);
    // Nothing touched its pools in the block it missed: it realizes its prediction one block later.
    expect(result).toMatchObject({ status: "confirmed", blockNumber: head + 2, realizedProfit: opportunity.profit });
  });

  it("a late bundle is dropped, labelled and at no cost, past its deadline or when it no longer succeeds", async () => {
    const account = chain.executorAccount.address;
    const before = async () => ({
      balance: await provider.getBalance(account),
      nonce: await provider.getTransactionCount(account, "latest"),
    });
    const outcomes: BundleRetarget[] = [];
    const onBundleRetarget = (_o: unknown, r: BundleRetarget) => outcomes.push(r);

    // The deadline is the block after the order's: the block after the one built is too late.
    const first = await createArbitrage(chain, provider);
    const strict = ours(5_000, { broadcaster: lateByOneBlock(), onBundleRetarget, deadlineBlocks: 1 });
    await strict.reconcile();
    const start = await before();
    const late = await strict.submit(await liveOrder(first.opportunity));
    expect(late).toMatchObject({ kind: "done", result: { status: "dropped" } });
    expect(late.kind === "done" && late.result.reason).toMatch(/dropped \(past-deadline\).*the next block is past/);

    // A public swap in the block built meanwhile takes the opportunity: at the new head the trade would revert.
    const second = await createArbitrage(chain, provider);
    const taken = lateByOneBlock(() =>
      outbid(chain, provider, {
        trader: chain.markets.traders[1] as string,
        pool: second.opportunity.pools[0] as string,
        tokenIn: second.opportunity.tokens[0] as string,
        amountIn: second.opportunity.amountIn * 3n,
      }),
    );
    const stale = await ours(5_000, { broadcaster: taken, onBundleRetarget }).submit(
      await liveOrder(second.opportunity),
    );
    expect(stale.kind === "done" && stale.result.reason).toMatch(/dropped \(stale\).*no longer succeeds/);
    expect(outcomes).toEqual(["past-deadline", "stale"]);
    expect(relay.pending()).toBe(0);
    expect(await before()).toEqual(start);
  });

  it("the relay refuses a bundle for a block already built and a request not signed by its sender", async () => {
    const head = await provider.getBlockNumber();
    const raw = await rivalTransfer();
    const relayed = bundleRelay({ url: relay.url, reputationKey: reputation.privateKey });
    await expect(relayed.broadcast(raw, head)).rejects.toThrow(BundleRefused);
    await expect(relayed.broadcast(raw, head)).rejects.toThrow(/already built/);
    const forged = await fetch(relay.url, {
      method: "POST",
      headers: { "x-flashbots-signature": `${rival.address}:0x${"11".repeat(65)}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_sendBundle",
        params: [{ txs: [raw], blockNumber: "0x999" }],
      }),
    });
    expect(forged.status).toBe(403);
    // A bundle for a later block waits for it: the next block is built without it.
    await relayed.broadcast(raw, head + 2);
    const built = await relay.buildBlock();
    expect(built.included).toBeNull();
    expect((await relay.buildBlock()).included?.signer).toBe(reputation.address.toLowerCase());
  });

  it("a bundle the relay takes while it builds a block is tried in the block it targets, never passed by", async () => {
    // A relay of its own over the same devnet, whose read of the head's base fee (after a bundle's target was checked
    // against the head) waits until a block is mined, or half a second where none can be meanwhile.
    let reached: () => void = () => undefined;
    const atBaseFee = new Promise<void>((resolve) => (reached = resolve));
    let mining: () => void = () => undefined;
    const mined = new Promise<void>((resolve) => (mining = resolve));
    const held = await startLocalRelay({
      request: async (args) => {
        if (args.method === "evm_mine") mining();
        if (args.method === "eth_getBlockByNumber") {
          reached();
          await Promise.race([mined, new Promise((r) => setTimeout(r, 500))]);
        }
        return chain.devnet.provider.request(args);
      },
    });
    try {
      const head = await provider.getBlockNumber();
      const raw = await rivalTransfer();
      const handedOver = bundleRelay({ url: held.url, reputationKey: reputation.privateKey })
        .broadcast(raw, head + 1)
        .then(
          () => true,
          (err: unknown) => (err instanceof BundleRefused ? false : Promise.reject(err)),
        );
      // The block is built while the relay is taking the bundle for it.
      await atBaseFee;
      const built = await held.buildBlock();
      expect(built.number).toBe(head + 1);
      // Taken means tried in its block (and here it lands); a bundle too late is refused, never silently passed by.
      if (await handedOver) expect(built.included?.signer).toBe(reputation.address.toLowerCase());
      else expect(built.included).toBeNull();
      expect(held.pending()).toBe(0);
    } finally {
      await held.close();
    }
  });

  it("against a rival after the same opportunities, a higher bid wins more often, and losing costs nothing", async () => {
    const rng = new Rng(7);
    const wins: Record<number, number> = {};
    for (const share of [2_000, 8_000]) {
      wins[share] = 0;
      for (let round = 0; round < 6; round++) {
        const { opportunity } = await createArbitrage(chain, provider);
        const rivalShare = rng.int(10_000);
        const a = ours(share);
        const b = theirs(rivalShare);
        await Promise.all([a.reconcile(), b.reconcile()]);
        const rivalBalance = await provider.getBalance(rival.address);
        const ourBalance = await provider.getBalance(chain.executorAccount.address);
        const [sa, sb] = [
          sent(await a.submit(await liveOrder(opportunity))),
          sent(await b.submit(await liveOrder(opportunity))),
        ];
        const [ra, rb] = (await buildUntil(Promise.all([sa.final, sb.final]))) as [TradeResult, TradeResult];
        // Exactly one lands; the other's bundle reverted against the moved pools and was left out at no cost.
        expect([ra.status, rb.status].sort()).toEqual(["confirmed", "dropped"]);
        if (ra.status === "confirmed") {
          wins[share] += 1;
          expect(await provider.getBalance(rival.address)).toBe(rivalBalance);
        } else {
          expect(await provider.getBalance(chain.executorAccount.address)).toBe(ourBalance);
        }
      }
    }
    expect(wins[8_000]).toBeGreaterThan(wins[2_000] as number);
  }, 120_000);
});
