export { Cache, type CacheArgs } from "./cache.ts";
