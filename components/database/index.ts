export { Database, type DatabaseArgs } from "./database.ts";
export { AUDIT_FLAGS, mergeFlags, instancePlan, instanceNameFor, iamUserName, type InstancePlan } from "./flags.ts";
