import { z } from "zod";
import { address } from "../wire.ts";
import { apiVariables } from "./api.ts";
import { chainVariables, databaseVariables, redisVariables, serviceVariables } from "./common.ts";
import { controlVariables } from "./control.ts";
import { migrationVariables } from "./migrate.ts";
import { relayVariables } from "./relay.ts";
import { bool, httpUrl, milliseconds, optional, required, withDefault } from "./vars.ts";

/**
 * The env contract, one schema per bot: components/region writes exactly these variables and `orion run <bot>`
 * reads exactly these. A variable renamed on one side fails typecheck (the Region's env is typed by these shapes) or
 * the contract test (the prod plan's env parsed strictly by these schemas).
 */
export const scannerEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...chainVariables,
  ORION_MAX_HOPS: withDefault(z.enum(["2", "3"], { message: "must be 2 or 3" }), "3")
    .transform((h) => Number(h) as 2 | 3)
    .describe("the longest cycle searched, 2 or 3 pools"),
});

export const orchestratorEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...databaseVariables,
  ...migrationVariables,
});

/**
 * EntryPoint v0.8 at its canonical address: the only EntryPoint the route speaks (its account, signatures and
 * sponsorship digest are v0.8's). Here, in the env contract, so the stack config can refuse another one too.
 */
export const ENTRY_POINT_V08 = "0x4337084d9e255ff0702461cf8895ce9e3b5ff108";

/**
 * The ERC-4337 route (`ORION_EXECUTION=erc4337`): trades go as user operations of a smart account whose owner is the
 * executor's key (ORION_EXECUTOR_ACCOUNT signs them), sponsored by an ERC-7677 paymaster service and sent to a bundler.
 * The addresses are needed in both modes (sim simulates from the smart account); the URLs only live.
 */
const userOperationVariables = {
  ORION_EXECUTION: withDefault(z.enum(["eoa", "erc4337"], { message: 'must be "eoa" or "erc4337"' }), "eoa").describe(
    "the execution route: eoa (transactions from ORION_EXECUTOR_ACCOUNT) or erc4337 (user operations)",
  ),
  ORION_ENTRY_POINT: optional(address).describe("erc4337: the EntryPoint v0.8 (0x address)"),
  ORION_SMART_ACCOUNT: optional(address).describe(
    "erc4337: the smart account (0x address) whose owner is ORION_EXECUTOR_ACCOUNT; it sends the operations",
  ),
  ORION_SMART_ACCOUNT_CONTRACT: optional(address).describe(
    "erc4337: the ArbExecutor (0x address) whose operator is ORION_SMART_ACCOUNT; the operations call it",
  ),
  ORION_BUNDLER_URL: optional(httpUrl).describe("erc4337, live: the bundler's JSON-RPC URL"),
  ORION_PAYMASTER_URL: optional(httpUrl).describe("erc4337, live: the ERC-7677 paymaster service's URL"),
  ORION_BUNDLER_TIMEOUT_MS: withDefault(milliseconds, "5000").describe(
    "erc4337: a bundler or paymaster call slower than this counts as the route being down",
  ),
  ORION_EOA_FALLBACK: withDefault(bool, "false").describe(
    'erc4337: "true" sends from ORION_EXECUTOR_ACCOUNT when the bundler is down or slow (else the order is rejected)',
  ),
} as const;

export const executorEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...databaseVariables,
  ...migrationVariables,
  ...chainVariables,
  ORION_EXECUTOR_CONTRACT: required(address).describe("the deployed ArbExecutor contract (0x address)"),
  ORION_EXECUTOR_ACCOUNT: required(address).describe("the sending account (0x address, the contract's operator)"),
  ORION_SIGNER_KEY_FILE: optional(z.string().min(1)).describe(
    "a file holding a devnet private key (0x hex), read only in live mode; never in the cloud",
  ),
  ORION_SIGNER_KMS: optional(z.string().min(1)).describe(
    "the Cloud KMS key version the executor signs with in live mode (HSM, EC_SIGN_SECP256K1_SHA256)",
  ),
  ...userOperationVariables,
  ...relayVariables,
});

export const apiEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...databaseVariables,
  ...migrationVariables,
  ...apiVariables,
  // The run's route, as the executor is given it: on erc4337 the live pre-flight checks its prerequisites too.
  ORION_EXECUTION: userOperationVariables.ORION_EXECUTION,
  ORION_ENTRY_POINT: userOperationVariables.ORION_ENTRY_POINT,
  ORION_SMART_ACCOUNT: userOperationVariables.ORION_SMART_ACCOUNT,
  ORION_SMART_ACCOUNT_CONTRACT: userOperationVariables.ORION_SMART_ACCOUNT_CONTRACT,
  ORION_BUNDLER_URL: userOperationVariables.ORION_BUNDLER_URL,
  ORION_PAYMASTER_URL: userOperationVariables.ORION_PAYMASTER_URL,
});

export const botEnvSchemas = {
  scanner: scannerEnvSchema,
  orchestrator: orchestratorEnvSchema,
  executor: executorEnvSchema,
  api: apiEnvSchema,
} as const;

export type BotEnvSchemas = typeof botEnvSchemas;
export type EnvBot = keyof BotEnvSchemas;
/** What a bot reads, parsed. */
export type BotEnv<B extends EnvBot> = z.output<BotEnvSchemas[B]>;
/** The variable names a bot reads: what the Region component may write for it, and nothing else. */
export type BotVariable<B extends EnvBot> = keyof z.input<BotEnvSchemas[B]> & string;
