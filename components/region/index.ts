export { Region, BOT_NAMES, type RegionArgs } from "./region.ts";
export { botEnv, botSecrets, API_PROXY_HOPS, type RegionEndpoints, type Bot } from "./env.ts";
