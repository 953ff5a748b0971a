export { Service, type ServiceArgs } from "./service.ts";
export { trafficFor, literalSecretLikeEnv, SECRET_LIKE_ENV, type Rollout, type TrafficSpec } from "./traffic.ts";
