import { z } from "zod";
import { address } from "../wire.ts";
import { apiVariables } from "./api.ts";
import { chainVariables, databaseVariables, redisVariables, serviceVariables } from "./common.ts";
import { controlVariables } from "./control.ts";
import { optional, required, withDefault } from "./vars.ts";

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
});

export const executorEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...databaseVariables,
  ...chainVariables,
  ORION_EXECUTOR_CONTRACT: required(address).describe("the deployed ArbExecutor contract (0x address)"),
  ORION_EXECUTOR_ACCOUNT: required(address).describe("the sending account (0x address, the contract's operator)"),
  ORION_AAVE_POOL: optional(address).describe("the chain's Aave V3 Pool, a flash lender (0x address)"),
  ORION_BALANCER_VAULT: optional(address).describe("the chain's Balancer V2 Vault, a flash lender (0x address)"),
  ORION_SIGNER_KEY_FILE: optional(z.string().min(1)).describe(
    "a file holding a devnet private key (0x hex), read only in live mode; never in the cloud",
  ),
  ORION_SIGNER_KMS: optional(z.string().min(1)).describe(
    "the Cloud KMS key version the executor signs with in live mode (HSM, EC_SIGN_SECP256K1_SHA256)",
  ),
});

export const apiEnvSchema = z.object({
  ...serviceVariables,
  ...redisVariables,
  ...controlVariables,
  ...databaseVariables,
  ...apiVariables,
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
