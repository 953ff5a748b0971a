export { Secrets, type SecretsArgs } from "./secrets.ts";
export { Secret, type SecretArgs } from "./secret.ts";
export {
  SECRETS,
  MAX_SECRET_ROTATION_SECONDS,
  RELAY_KEY_SECRET,
  USER_OPERATION_SECRETS,
  type SecretSpec,
} from "./plan.ts";
