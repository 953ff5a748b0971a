export { Identity, AGENT_SERVICES, type Agent, type IdentityArgs, type ServiceAccountRef } from "./identity.ts";
export {
  WORKLOADS,
  MIGRATE_ROLES,
  projectRoles,
  forbiddenRole,
  accountId,
  githubAttributeCondition,
  type Workload,
} from "./roles.ts";
