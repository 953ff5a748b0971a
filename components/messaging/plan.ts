export type Publisher = "scanner" | "orchestrator" | "executor" | "api";

export interface TopicSpec {
  name: string;
  publishers: readonly Publisher[];
  /** A pull subscription for one consumer, or the BigQuery export. */
  subscription: { name: string; consumer: Publisher } | { name: string; bigquery: true };
}

/** The trading flow's topics: scanner -> orchestrator -> executor -> analytics, and every bot -> the audit ledger. */
export const TOPICS: readonly TopicSpec[] = [
  {
    name: "opportunities",
    publishers: ["scanner"],
    subscription: { name: "opportunities-orchestrator", consumer: "orchestrator" },
  },
  { name: "orders", publishers: ["orchestrator"], subscription: { name: "orders-executor", consumer: "executor" } },
  { name: "trades", publishers: ["executor"], subscription: { name: "trades-bigquery", bigquery: true } },
  {
    name: "audit",
    publishers: ["scanner", "orchestrator", "executor", "api"],
    subscription: { name: "audit-api", consumer: "api" },
  },
];

export interface Grant {
  topic: string;
  role: "roles/pubsub.publisher" | "roles/pubsub.subscriber";
  workload: Publisher;
  /** Subscriber grants are on the subscription, publisher grants on the topic. */
  on: "topic" | "subscription";
  resource: string;
}

/** Every grant the bots need, each on one topic or one subscription: never project-wide. */
export function messagingGrants(topics: readonly TopicSpec[] = TOPICS): Grant[] {
  const grants: Grant[] = [];
  for (const t of topics) {
    for (const workload of t.publishers) {
      grants.push({ topic: t.name, role: "roles/pubsub.publisher", workload, on: "topic", resource: t.name });
    }
    if ("consumer" in t.subscription) {
      const s = t.subscription;
      grants.push({
        topic: t.name,
        role: "roles/pubsub.subscriber",
        workload: s.consumer,
        on: "subscription",
        resource: s.name,
      });
    }
  }
  return grants;
}

/** BigQuery subscription schema with `writeMetadata`: the message plus Pub/Sub's metadata columns. */
export const TRADES_TABLE_SCHEMA = [
  { name: "subscription_name", type: "STRING", mode: "NULLABLE" },
  { name: "message_id", type: "STRING", mode: "NULLABLE" },
  { name: "publish_time", type: "TIMESTAMP", mode: "NULLABLE" },
  { name: "data", type: "JSON", mode: "NULLABLE" },
  { name: "attributes", type: "JSON", mode: "NULLABLE" },
] as const;
