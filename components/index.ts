// The published surface of the Alpha-Orion platform components: one export block per concern.
export * from "./common/index.ts";
export * from "./network/index.ts";
export * from "./kms/index.ts";
export * from "./identity/index.ts";
export * from "./secrets/index.ts";
export * from "./messaging/index.ts";
export * from "./database/index.ts";
export * from "./cache/index.ts";
export * from "./service/index.ts";
export * from "./load-balancer/index.ts";
export * from "./observability/index.ts";
export * from "./perimeter/index.ts";
export * from "./audit-trail/index.ts";
export * from "./kubernetes/index.ts";
export * from "./migrations/index.ts";
export * from "./region/index.ts";
export * from "./platform/index.ts";
