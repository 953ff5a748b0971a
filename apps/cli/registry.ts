import type { Command } from "commander";

/**
 * What a command module exports as `configure`: it adds its options, subcommands and action to the command that
 * main.ts created with the name and description below.
 */
export type Configure = (command: Command) => void;

export interface CommandEntry {
  /** One line for `orion --help`. */
  readonly description: string;
  /** Imported only when this command runs or its own help is asked for, so `orion --help` loads none of them. */
  readonly load: () => Promise<{ configure: Configure }>;
}

/**
 * Every `orion` command, in the order `orion --help` lists them. To add one: write `commands/<name>.ts` exporting
 * `configure(command)`, and add one line here. Keep this file free of any other import: it is all `--help` loads.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  compliance: {
    description: "compliance reports from the policy packs",
    load: () => import("./commands/compliance.ts"),
  },
  scan: {
    description: "one full arbitrage scan of a pool snapshot (schema v1)",
    load: () => import("./commands/scan.ts"),
  },
  plan: {
    description: "run the Pulumi program for a stack offline and list every resource it would create",
    load: () => import("./commands/plan.ts"),
  },
  dev: {
    description:
      "run the whole platform locally: devnet with seeded markets and traders, scanner, orchestrator, executor, " +
      "API and console (PostgreSQL from DATABASE_URL or embedded; Redis from REDIS_URL or in-process)",
    load: () => import("./commands/dev.ts"),
  },
  users: { description: "control-plane users", load: () => import("./commands/users.ts") },
  api: {
    description: "run the control-plane API alone against DATABASE_URL and REDIS_URL",
    load: () => import("./commands/api.ts"),
  },
  audit: { description: "the tamper-evident audit ledger", load: () => import("./commands/audit.ts") },
  drill: { description: "rehearse runbooks against the local platform", load: () => import("./commands/drill.ts") },
  keys: {
    description: "control-plane key material (the ORION_KEYS_FILE JSON)",
    load: () => import("./commands/keys.ts"),
  },
  migrate: {
    description:
      "apply the schema migrations as the owner and grant orion_app to the bots' login roles (ORION_APP_ROLES); " +
      "the cloud's migrate job",
    load: () => import("./commands/migrate.ts"),
  },
  run: {
    description: "run one bot (scanner, orchestrator, executor, api) as a service configured by environment variables",
    load: () => import("./commands/run.ts"),
  },
  devnet: {
    description:
      "run the local chain alone (seeded markets, simulated traders); print its RPC URL; write its chain profile",
    load: () => import("./commands/devnet.ts"),
  },
  discover: {
    description: "find every pool of a chain profile's DEXes and write a pool snapshot (schema v1) for orion scan",
    load: () => import("./commands/discover.ts"),
  },
  trade: {
    description:
      "the trading pipeline against the chain a profile names (sim: eth_call on live state, no key; or live)",
    load: () => import("./commands/trade.ts"),
  },
};
