// Public API of pool discovery (`orion discover`).
export { discover, FactoryError } from "./discover.ts";
export type { DiscoverOptions, DiscoverSummary } from "./discover.ts";
export { statePath } from "./state.ts";
