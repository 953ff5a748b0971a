import { resourcePolicy } from "./factory.ts";
import { at, isSet, isTrue, num, str } from "./props.ts";
import type { OrionPolicy } from "./types.ts";

export const REDIS_INSTANCE = "gcp:redis/instance:Instance";

export const redisAuth = () =>
  resourcePolicy({
    name: "memorystore-auth-and-tls",
    description: "Memorystore instances must require AUTH and encrypt traffic in transit.",
    controls: ["RED-001", "RED-002"],
    types: [REDIS_INSTANCE],
    check: (props, _args, report) => {
      if (!isTrue(props, "authEnabled")) report("RED-001", "authEnabled must be true.");
      if (str(props, "transitEncryptionMode") !== "SERVER_AUTHENTICATION") {
        report("RED-002", "transitEncryptionMode must be SERVER_AUTHENTICATION.");
      }
    },
  });

export const redisCmek = () =>
  resourcePolicy({
    name: "memorystore-cmek",
    description: "Memorystore instances must be encrypted with a customer-managed key.",
    controls: ["RED-003"],
    types: [REDIS_INSTANCE],
    check: (props, _args, report) => {
      if (!isSet(at(props, "customerManagedKey"))) report("RED-003", "customerManagedKey must name a Cloud KMS key.");
    },
  });

export const redisPrivateAccess = () =>
  resourcePolicy({
    name: "memorystore-private-service-access",
    description: "Memorystore instances must be reachable only through private service access on the platform VPC.",
    controls: ["RED-004"],
    types: [REDIS_INSTANCE],
    check: (props, _args, report) => {
      if (str(props, "connectMode") !== "PRIVATE_SERVICE_ACCESS") {
        report("RED-004", "connectMode must be PRIVATE_SERVICE_ACCESS.");
      }
      // Without it the instance joins the project's "default" network.
      if (!isSet(at(props, "authorizedNetwork"))) report("RED-004", "authorizedNetwork must be the platform VPC.");
    },
  });

export const redisHighAvailability = () =>
  resourcePolicy({
    name: "memorystore-ha-persistence",
    description:
      "Memorystore instances must be highly available, persist to RDB snapshots and have a maintenance policy.",
    controls: ["RED-005"],
    types: [REDIS_INSTANCE],
    check: (props, _args, report) => {
      if (str(props, "tier") !== "STANDARD_HA") report("RED-005", "tier must be STANDARD_HA.");
      // STANDARD_HA always keeps a replica: replicaCount defaults to 1 (2 with read replicas), so unset passes.
      if ((num(props, "replicaCount") ?? 1) < 1) report("RED-005", "replicaCount must be at least 1.");
      if (str(props, "persistenceConfig.persistenceMode") !== "RDB") {
        report("RED-005", "persistenceConfig.persistenceMode must be RDB.");
      }
      if (!isSet(at(props, "maintenancePolicy"))) report("RED-005", "maintenancePolicy must be set.");
    },
  });

export function redisPolicies(): OrionPolicy[] {
  return [redisAuth(), redisCmek(), redisPrivateAccess(), redisHighAvailability()];
}
