/**
 * One leased executor as its own OS process, for the failover test: real PostgreSQL (journal and lease), real Redis
 * (the orders stream), the devnet over HTTP. It logs JSON lines (pino) on stdout; the test reads the lease and trade
 * events from them. Run with tsx; configured by environment only.
 */
import pino from "pino";
import { createRedisBus } from "../../bus/index.ts";
import { FailoverProvider, httpTransport } from "../../chain/index.ts";
import { chainTag, createPgPool, PgLeaseStore, PgTradeJournal } from "../../store/index.ts";
import { createExecutor } from "../factory.ts";
import { ExecutorLease } from "../lease.ts";
import { ExecutorService } from "../service.ts";
import { privateKeySigner } from "../signer.ts";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const log = pino({ base: { holder: env("LEASE_HOLDER") } });
const pool = createPgPool(env("DATABASE_URL"), 4);
const provider = new FailoverProvider([httpTransport(env("RPC_URL"))], { chainId: 31337 });
const genesis = await provider.getBlock(0);
const chain = chainTag(31337, genesis?.hash ?? "");
const signer = privateKeySigner(env("EXECUTOR_KEY"));
const lease = new ExecutorLease(new PgLeaseStore(pool, chain), signer.address, {
  holder: env("LEASE_HOLDER"),
  ttlMs: Number(env("LEASE_TTL_MS")),
  log,
});
const executor = await createExecutor({
  mode: "live",
  provider,
  journal: new PgTradeJournal(pool, chain),
  readMode: async () => "live",
  contract: env("EXECUTOR_CONTRACT"),
  account: signer.address,
  loadSigner: () => signer,
  feeOf: () => 30,
  log,
  lease,
  options: { receiptPollMs: 50 },
});
const bus = createRedisBus({ url: env("REDIS_URL"), keyPrefix: env("ORION_KEY_PREFIX"), claimIdleMs: 1_000 });
const service = new ExecutorService({
  bus,
  executor,
  lease,
  log,
  consumer: env("LEASE_HOLDER"),
  onTrade: (r) => log.info({ trade: r.id, status: r.status, nonce: r.nonce }, "trade final"),
});
await lease.start();
await service.start();
log.info("executor ready");

process.on("SIGTERM", () => {
  void (async () => {
    await service.stop(2_000);
    await lease.stop();
    await bus.close();
    await pool.end();
    provider.destroy();
    process.exit(0);
  })();
});
