import type { FailoverProvider } from "../chain/index.ts";
import type {
  DeadlinePolicy,
  FeePolicy,
  FlashLenderConfig,
  StateOverride,
  TxSigner,
  UserOperationConfig,
  UserOperationSubmitter,
} from "../executor/index.ts";
import type { Market, RelaySubmission } from "../services/index.ts";

/** The chain a session trades on: the devnet `orion dev` starts, or any chain `orion trade` is pointed at. */
export interface SessionChain {
  /** The profile's name, reported as "chain"; null for orion dev's own devnet. */
  name: string | null;
  /** How the start line names the chain, e.g. "devnet http://127.0.0.1:8545". */
  label: string;
  provider: FailoverProvider;
  /** The JSON-RPC URLs behind the provider, for bots started in their own processes. */
  rpcUrls?: string[];
  market: Market;
  blockTimeMs: number;
  /** The profile's L2 gas model: on "op-stack" the cost model adds each trade's L1 data fee. Default "ethereum". */
  gasModel?: "ethereum" | "op-stack" | "arbitrum";
  /** How often the head is polled (default 25 ms). */
  pollMs?: number;
  /** A ws(s) URL whose newHeads subscription gives the heads (in-process sessions); polling otherwise. */
  headsUrl?: string;
  executor: {
    /** The ArbExecutor (in sim on a foreign chain: where its code is injected). */
    contract: string;
    /** The sending account, the contract's operator. */
    account: string;
    /** The chain's Aave pool and Balancer vault (its profile's lenders, or what the devnet deployed). */
    flashLenders?: FlashLenderConfig;
    /** Called only for a live session. */
    loadSigner: () => TxSigner | Promise<TxSigner>;
    stateOverride?: StateOverride;
    fees?: FeePolicy;
    /** Blocks on top of a trade's block before it is final. Default 0. */
    confirmations?: number;
    /** The chain's deadlines (deadlinePolicy of its profile); default DEADLINE_BLOCKS and the time backstop. */
    deadline?: DeadlinePolicy;
    /** The tip bid per gas (the scanner costs orders with it too). Default EXECUTOR_TIP_WEI. */
    tipWei?: bigint;
    /**
     * A devnet's executor key, handed to an executor process as a 0600 file (live only); null where the key is not
     * this process's to hand on (a KMS signer, or sim).
     */
    devnetKey?: string | null;
    /**
     * The ERC-4337 route (`--execution erc4337`): the smart account and its executor contract; `loadSubmitter` (the
     * keys and the bundler) is called only for a live session.
     */
    userOperations?: Omit<UserOperationConfig, "submitter" | "onUnavailable"> & {
      loadSubmitter: () => Promise<UserOperationSubmitter>;
      /** The bound on every bundler and paymaster call (`--bundler-timeout`). */
      timeoutMs: number;
      /**
       * Live, for an executor in its own process (`--services`): the bundler and paymaster service it reaches by URL,
       * started by the session (and the smart account deployed) on the first call; absent where the session cannot
       * hand them on.
       */
      endpoints?: () => Promise<{ bundlerUrl: string; paymasterUrl: string }>;
    };
    /** Private submission through the chain profile's relay (live only). */
    relay?: RelaySubmission;
  };
  /** Starts the blocks coming (the devnet's interval mining); a real chain mines without us. */
  startBlocks?: () => void;
  stopBlocks?: () => void;
  /** Releases the chain (and the provider) when the session ends. */
  close(): Promise<void>;
}
