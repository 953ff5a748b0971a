/**
 * The env each bot gets: the writer's half of the env contract whose reader is `orion run <bot>`
 * (apps/domain/env). Every name here is typed by the bot's own schema, so a variable renamed or dropped on the bots'
 * side fails typecheck here; test/env-contract.test.ts parses the prod plan's env with those schemas, so a
 * variable written but never read, or required but never written, fails a test.
 */
import type { BotVariable, EnvBot } from "../../apps/domain/env/index.ts";
import { BUNDLER_URL_SECRET, PAYMASTER_URL_SECRET, RELAY_KEY_SECRET } from "../secrets/plan.ts";

export type Bot = EnvBot;

/** What the bots trade: the chain's profile and the markets file in the image, the executor's contract. */
export interface TradingSettings {
  /**
   * The chain profile's name (chains/NAME.json, in the image): its wrapped native token, fee policy, gas model and
   * block time price, bid and time the trades.
   */
  chain: string;
  /** Path of a pool snapshot v1 inside the image (`orion discover` writes one), e.g. chains/pools/base.json. */
  pools: string;
  /** The chain's id (its profile's): the API's pre-flight refuses RPC_URLS that serve another chain. */
  chainId: number;
  /** The deployed ArbExecutor contract (0x address). */
  executorContract: string;
  /** The account that sends: the address of the KMS signing key version (the contract's owner). */
  executorAccount: string;
  /** The stack this platform runs as: the API's live pre-flight reads only this stack's compliance report. */
  stack: string;
  /**
   * PEM (SPKI) public key of the CI identity that signs compliance reports (`openssl pkey -pubout`): without it the
   * API's pre-flight can trust no report, and live mode stays locked.
   */
  reportPublicKey: string;
}

/**
 * Private submission (issue 17): the executor sends each trade as a bundle to a relay, signed with a reputation key
 * of its own (the Secret Manager secret RELAY_KEY_SECRET, readable by the executor only), bidding a share of its
 * profit to the block producer. Absent: trades go to the public mempool.
 */
export interface RelaySettings {
  /** The relay's https URL (ORION_RELAY_URL); absent, the chain profile's `relayUrl` (the profile must name one). */
  url?: string;
  /** The share of each trade's profit bid to the block producer, in basis points (ORION_BID_SHARE_BPS). */
  bidShareBps: number;
}

/**
 * The ERC-4337 route (issue 15): the executor's trades as user operations of its key's smart account, sponsored by
 * an ERC-7677 paymaster service and sent to a bundler. Both URLs are secrets (USER_OPERATION_SECRETS, the executor's
 * alone): hosted services put their API key in them. Absent: the EOA route.
 */
export interface UserOperationSettings {
  /** EntryPoint v0.8 (ORION_ENTRY_POINT). */
  entryPoint: string;
  /** The smart account whose owner is the executor's KMS key (ORION_SMART_ACCOUNT). */
  smartAccount: string;
  /** The ArbExecutor the smart account operates (ORION_SMART_ACCOUNT_CONTRACT). */
  smartAccountContract: string;
  /** A bundler or paymaster call slower than this counts as the route being down (ORION_BUNDLER_TIMEOUT_MS). */
  bundlerTimeoutMs: number;
  /** Send from the EOA when the bundler is down or slow, else reject the order (ORION_EOA_FALLBACK). */
  eoaFallback: boolean;
}

/** How the executor submits: a relay for its EOA transactions, user operations; each absent by default. */
export interface Submission {
  relay?: RelaySettings;
  userOperations?: UserOperationSettings;
}

/** Where each bot finds its dependencies. Values are names and addresses only; credentials travel as secret refs. */
export interface RegionEndpoints<V = string> {
  project: string;
  region: string;
  redisHost: V;
  /** Memorystore's TLS port (6378). */
  redisPort: V;
  /** PEM of Memorystore's server CA: public, what the bots verify the instance's certificate against. */
  redisCa: V;
  /**
   * The authoritative control store (mode, kill switch, limits): the primary region's Memorystore, the same for
   * every region, so a switch engaged through any region's API reaches every region's bots at their next block.
   */
  controlRedisHost: V;
  controlRedisCaCert: V;
  /** Cloud SQL connection names: the primary (writes) and the instance in this region (reads). */
  databaseWriter: V;
  databaseReader: V;
  /** Each bot's IAM database user: its service account email without ".gserviceaccount.com". */
  databaseUsers: Readonly<Record<Bot, V>>;
  signer: V;
  trading: TradingSettings;
  /** The executor's relay and bid; absent, the public mempool. */
  relay?: RelaySettings;
  /** The ERC-4337 route; absent, the EOA route. */
  userOperations?: UserOperationSettings;
}

/** A bot's plain env: only variables its schema reads. */
export type BotEnvOf<B extends Bot, V> = { [K in BotVariable<B>]?: V | string };

/** The secret-valued variables of a bot: variable -> secret key ("rpc-urls", "api-session-secret", "redis-auth", ...). */
export type BotSecretsOf<B extends Bot> = { [K in BotVariable<B>]?: string };

type Shared<V> = BotEnvOf<Bot, V>;

function shared<V>(e: RegionEndpoints<V>): Shared<V> {
  return {
    GOOGLE_CLOUD_PROJECT: e.project,
    ORION_REGION: e.region,
    // Memorystore with in-transit encryption: TLS only, verified against the instance's own CA.
    REDIS_HOST: e.redisHost,
    REDIS_PORT: e.redisPort,
    REDIS_TLS: "true",
    REDIS_CA_CERT: e.redisCa,
    // The authoritative control store: the primary region's Memorystore, the same for every region (TLS, its CA).
    ORION_CONTROL_REDIS_HOST: e.controlRedisHost,
    ORION_CONTROL_REDIS_CA_CERT: e.controlRedisCaCert,
  };
}

function database<V>(bot: "orchestrator" | "executor" | "api", e: RegionEndpoints<V>): BotEnvOf<typeof bot, V> {
  return {
    DATABASE_INSTANCE: e.databaseWriter,
    DATABASE_READ_INSTANCE: e.databaseReader,
    DATABASE_IAM_AUTH: "true",
    DATABASE_USER: e.databaseUsers[bot],
    // The Migrations job owns the schema and runs the DDL before the bots roll out; a bot's user (a member of
    // orion_app) may not, and waits unready until the schema its image ships is there.
    ORION_MIGRATIONS: "external",
  };
}

function markets<V>(e: RegionEndpoints<V>): BotEnvOf<"scanner" | "executor", V> {
  return { ORION_CHAIN: e.trading.chain, ORION_POOLS: e.trading.pools };
}

/**
 * The executor's contract, account and signing key: the executor signs with them; the API's live pre-flight checks
 * them (contract deployed and owned by the account, KMS answers with the account's public key, gas funded).
 */
function execution<V>(e: RegionEndpoints<V>): BotEnvOf<"executor" | "api", V> {
  return {
    ORION_EXECUTOR_CONTRACT: e.trading.executorContract,
    ORION_EXECUTOR_ACCOUNT: e.trading.executorAccount,
    // A KMS resource name, not key material: the executor asks KMS to sign, the API only for the public key.
    ORION_SIGNER_KMS: e.signer,
  };
}

/** The executor's relay and bid (its reputation key is a secret, RELAY_KEY_SECRET); nothing without a relay. */
function relay<V>(e: RegionEndpoints<V>): BotEnvOf<"executor", V> {
  if (!e.relay) return {};
  return {
    ...(e.relay.url !== undefined ? { ORION_RELAY_URL: e.relay.url } : {}),
    ORION_BID_SHARE_BPS: String(e.relay.bidShareBps),
  };
}

/** The ERC-4337 route's settings (its URLs are secrets, USER_OPERATION_SECRETS); nothing for the EOA route. */
function userOperations<V>(e: RegionEndpoints<V>): BotEnvOf<"executor", V> {
  const u = e.userOperations;
  if (!u) return {};
  return {
    ORION_EXECUTION: "erc4337",
    ORION_ENTRY_POINT: u.entryPoint,
    ORION_SMART_ACCOUNT: u.smartAccount,
    ORION_SMART_ACCOUNT_CONTRACT: u.smartAccountContract,
    ORION_BUNDLER_TIMEOUT_MS: String(u.bundlerTimeoutMs),
    ORION_EOA_FALLBACK: String(u.eoaFallback),
  };
}

/**
 * Proxies between a client and the API in the cloud, each appending to X-Forwarded-For: the global external
 * Application Load Balancer appends "<client address>,<its own address>" and Cloud Run's front end is the socket
 * peer. The API trusts exactly these two hops (the peer and the right-most entry) and takes the client from the entry
 * before them, so whatever a client writes into the header itself stays to the left, untrusted. The API's ingress
 * is internal-and-load-balancer only (RUN-001), so nothing reaches it around these two.
 */
export const API_PROXY_HOPS = 2;

const ENV: { [B in Bot]: <V>(e: RegionEndpoints<V>) => BotEnvOf<B, V> } = {
  scanner: (e) => ({ ...shared(e), ...markets(e) }),
  orchestrator: (e) => ({ ...shared(e), ...database("orchestrator", e) }),
  executor: (e) => ({
    ...shared(e),
    ...database("executor", e),
    ...markets(e),
    ...execution(e),
    ...relay(e),
    ...userOperations(e),
  }),
  api: (e) => ({
    ...shared(e),
    ...database("api", e),
    ...execution(e),
    ORION_CHAIN_ID: String(e.trading.chainId),
    ORION_TRUST_PROXY: String(API_PROXY_HOPS),
    ORION_STACK: e.trading.stack,
    ORION_REPORT_PUBLIC_KEY: e.trading.reportPublicKey,
  }),
};

/** The secret keys a Region provides itself rather than taking from the Secrets component. */
export const REGION_SECRET_KEYS: readonly string[] = ["redis-auth", "control-redis-auth"];

/** Every bot's Redis AUTH strings: its region's, and the control store's (the primary region's). */
const REDIS_AUTH: BotSecretsOf<Bot> = {
  REDIS_PASSWORD: "redis-auth",
  ORION_CONTROL_REDIS_PASSWORD: "control-redis-auth",
};

const SECRETS: { [B in Bot]: BotSecretsOf<B> } = {
  scanner: { ...REDIS_AUTH, RPC_URLS: "rpc-urls" },
  orchestrator: REDIS_AUTH,
  executor: { ...REDIS_AUTH, RPC_URLS: "rpc-urls" },
  // The API's key material (token signing keys, as `orion keys` writes them) as JSON, and the chain its pre-flight
  // checks before a switch to live.
  api: { ...REDIS_AUTH, ORION_KEYS: "api-session-secret", RPC_URLS: "rpc-urls" },
};

/** The plain environment of one bot: only what it reads, so a leaked env dump shows the least. */
export function botEnv<V>(bot: Bot, e: RegionEndpoints<V>): Record<string, V | string> {
  return ENV[bot](e) as Record<string, V | string>;
}

/**
 * Secret env per bot: env var -> secret key. The executor also reads its relay's reputation key with a relay, and
 * the bundler's and paymaster's URLs on the ERC-4337 route.
 */
export function botSecrets(bot: Bot, submission: Submission = {}): Record<string, string> {
  const executor: BotSecretsOf<"executor"> =
    bot !== "executor"
      ? {}
      : {
          ...(submission.relay ? { ORION_RELAY_KEY: RELAY_KEY_SECRET.id } : {}),
          ...(submission.userOperations
            ? { ORION_BUNDLER_URL: BUNDLER_URL_SECRET.id, ORION_PAYMASTER_URL: PAYMASTER_URL_SECRET.id }
            : {}),
        };
  return { ...SECRETS[bot], ...executor } as Record<string, string>;
}
