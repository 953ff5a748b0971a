export { Platform, type PlatformArgs } from "./platform.ts";
