export { Secrets, type SecretsArgs } from "./secrets.ts";
export { Secret, type SecretArgs } from "./secret.ts";
export { SECRETS, MAX_SECRET_ROTATION_SECONDS, type SecretSpec } from "./plan.ts";
