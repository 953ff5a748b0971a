export { Region, BOT_NAMES, type RegionArgs } from "./region.ts";
export { botEnv, botSecrets, type RegionEndpoints, type Bot } from "./env.ts";
