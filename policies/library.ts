import { cloudRunPolicies } from "./cloudrun.ts";
import { gkePolicies } from "./gke.ts";
import { governancePolicies } from "./governance.ts";
import { iamPolicies } from "./iam.ts";
import { kmsPolicies } from "./kms.ts";
import { kubernetesPolicies } from "./kubernetes.ts";
import { loadBalancerPolicies } from "./loadbalancer.ts";
import { loggingPolicies } from "./logging.ts";
import { monitoringPolicies } from "./monitoring.ts";
import { networkPolicies } from "./network.ts";
import { pubsubPolicies } from "./pubsub.ts";
import { redisPolicies } from "./redis.ts";
import { secretManagerPolicies } from "./secretmanager.ts";
import { sqlPolicies } from "./sql.ts";
import { storagePolicies } from "./storage.ts";
import { DEFAULT_SETTINGS, type OrionPolicy, type PolicySettings } from "./types.ts";

/** The whole library, one list, in a stable order (service by service). */
export function libraryPolicies(settings: PolicySettings = DEFAULT_SETTINGS): OrionPolicy[] {
  return [
    ...sqlPolicies(settings),
    ...redisPolicies(),
    ...kmsPolicies(),
    ...cloudRunPolicies(settings),
    ...loadBalancerPolicies(),
    ...pubsubPolicies(settings),
    ...storagePolicies(settings),
    ...secretManagerPolicies(settings),
    ...loggingPolicies(),
    ...monitoringPolicies(settings),
    ...networkPolicies(settings),
    ...iamPolicies(),
    ...gkePolicies(),
    ...kubernetesPolicies(),
    ...governancePolicies(),
  ];
}
