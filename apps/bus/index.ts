export type { Bus, Delivery, Handler, SubscribeOptions, Subscription, Topic } from "./types.ts";
export { createMemoryBus, type MemoryBusOptions } from "./memory.ts";
export { createRedisBus, type RedisBusOptions } from "./redis.ts";
export { deleteKeysWithPrefix } from "./keys.ts";
export {
  blockOpportunitiesSchema,
  opportunitiesTopic,
  orderEnvelopeSchema,
  ordersTopic,
  tradeOutcomeSchema,
  tradesTopic,
  type BlockHeader,
  type BlockOpportunities,
  type OrderEnvelope,
  type TradeOutcome,
} from "./messages.ts";
