export { Messaging, type MessagingArgs } from "./messaging.ts";
export { TOPICS, messagingGrants, TRADES_TABLE_SCHEMA, type TopicSpec, type Grant, type Publisher } from "./plan.ts";
