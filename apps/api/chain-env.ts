import { readFile } from "node:fs/promises";
import { Wallet } from "ethers";
import { FailoverProvider } from "../chain/index.ts";
import { createChainChecks, type UserOperationPrerequisites } from "./chain-checks.ts";
import type { ApiEnv } from "./config.ts";
import type { ChainChecks } from "./preflight.ts";

export interface EnvChainChecks {
  checks: ChainChecks;
  close(): Promise<void>;
}

const NEEDS = "needs ORION_EXECUTOR_CONTRACT and ORION_EXECUTOR_ACCOUNT";

/**
 * The live pre-flight's chain checks of an API running alone, from its environment: the RPC (RPC_URLS serving
 * ORION_CHAIN_ID, head recent), the executor contract (deployed, owned by ORION_EXECUTOR_ACCOUNT) and the signer
 * (ORION_SIGNER_KMS answers with the public key of ORION_EXECUTOR_ACCOUNT, or the local key file holds its key; the
 * account is funded). Null when RPC_URLS is not set: the checks then fail as not configured.
 */
export function chainChecksFromEnv(env: ApiEnv): EnvChainChecks | null {
  if (!env.RPC_URLS) return null;
  if (env.ORION_CHAIN_ID === undefined)
    throw new Error("ORION_CHAIN_ID: set it with RPC_URLS (the chain id they serve)");
  const provider = FailoverProvider.fromUrls(env.RPC_URLS.requests, {
    chainId: env.ORION_CHAIN_ID,
    requestTimeoutMs: 2000,
  });
  const contract = env.ORION_EXECUTOR_CONTRACT;
  const account = env.ORION_EXECUTOR_ACCOUNT;
  const erc4337 = env.ORION_EXECUTION === "erc4337" ? userOperationsFromEnv(env) : null;
  const checks = createChainChecks({
    rpc: { request: ({ method, params }) => provider.send(method, params ?? []) },
    chainId: env.ORION_CHAIN_ID,
    maxHeadAgeSeconds: env.ORION_MAX_HEAD_AGE_SECONDS,
    executor: { address: contract ?? "0x0000000000000000000000000000000000000000", operator: account ?? "" },
    signer: {
      async address() {
        if (!account) throw new Error(`the signer check ${NEEDS}`);
        const signer = await signerAddress(env);
        if (signer.toLowerCase() !== account.toLowerCase()) {
          throw new Error(`the signer is the key of ${signer.toLowerCase()}, not ORION_EXECUTOR_ACCOUNT ${account}`);
        }
        return signer;
      },
      minBalanceWei: env.ORION_SIGNER_MIN_BALANCE_WEI,
    },
    ...(typeof erc4337 === "object" && erc4337 !== null ? { userOperations: erc4337 } : {}),
  });
  return {
    checks: {
      rpc: checks.rpc,
      signer: checks.signer,
      ...(typeof erc4337 === "string" ? { erc4337: async () => ({ ok: false, detail: erc4337 }) } : {}),
      ...(checks.erc4337 ? { erc4337: checks.erc4337 } : {}),
      executor:
        contract && account ? checks.executor : async () => ({ ok: false, detail: `the executor check ${NEEDS}` }),
    },
    async close() {
      provider.destroy();
    },
  };
}

/**
 * ORION_EXECUTION=erc4337: the route's addresses and endpoints, as the executor is given them; a missing one is the
 * check's failure (the variables to set), not the API's: the rest of the pre-flight still reports.
 */
function userOperationsFromEnv(env: ApiEnv): UserOperationPrerequisites | string {
  const { ORION_ENTRY_POINT: entryPoint, ORION_SMART_ACCOUNT: account, ORION_SMART_ACCOUNT_CONTRACT: contract } = env;
  const { ORION_BUNDLER_URL: bundlerUrl, ORION_PAYMASTER_URL: paymasterUrl } = env;
  if (!entryPoint || !account || !contract || !bundlerUrl || !paymasterUrl) {
    return (
      "the erc4337 check needs ORION_ENTRY_POINT, ORION_SMART_ACCOUNT, ORION_SMART_ACCOUNT_CONTRACT, " +
      "ORION_BUNDLER_URL and ORION_PAYMASTER_URL"
    );
  }
  return { entryPoint, account, contract, endpoints: async () => ({ bundlerUrl, paymasterUrl }) };
}

/** Asks the signer itself: KMS must answer with its public key; a local key file must hold a key. */
async function signerAddress(env: ApiEnv): Promise<string> {
  if (env.ORION_SIGNER_KMS) {
    // Imported on use: the KMS client library is heavy and only cloud deployments configure it.
    const { KmsSigner } = await import("../executor/kms-signer.ts");
    const signer = await KmsSigner.connect({ keyVersion: env.ORION_SIGNER_KMS });
    await signer.close();
    return signer.address;
  }
  if (env.ORION_SIGNER_KEY_FILE) {
    const key = (await readFile(env.ORION_SIGNER_KEY_FILE, "utf8")).trim();
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error("ORION_SIGNER_KEY_FILE: not a 0x-hex private key");
    return new Wallet(key).address;
  }
  throw new Error("no signer configured: set ORION_SIGNER_KMS (or ORION_SIGNER_KEY_FILE locally)");
}
