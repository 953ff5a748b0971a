export { ROLES, roleSchema, requiresMfa, allows, PERMISSIONS, type Role, type Permission } from "./roles.ts";
export { hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from "./passwords.ts";
export { generateTotpSecret, totpCode, totpUri, verifyTotp } from "./totp.ts";
export {
  generateKeyFile,
  rotateSigningKey,
  retireVerifyKeys,
  loadKeyMaterial,
  keyFileSchema,
  type KeyFile,
  type KeyMaterial,
} from "./keys.ts";
export {
  issueAccessToken,
  verifyAccessToken,
  InvalidToken,
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessClaims,
  type TokenConfig,
} from "./access-tokens.ts";
export {
  postgresSessionState,
  redisSessionState,
  sweepExpired,
  REFRESH_TTL_SECONDS,
  type Counters,
  type RevocationFeed,
  type RevocationTarget,
  type RotateResult,
  type Session,
  type SessionState,
  type SessionStore,
} from "./state/index.ts";
export { LoginLockout, lockKeys, MAX_FAILED_LOGINS, LOCKOUT_SECONDS, type Reservation } from "./lockout.ts";
export { UserDirectory, UserExists, mustUseTotp, emailSchema, passwordSchema, type User } from "./users.ts";
export { createOidcVerifier, OidcRejected, type OidcConfig, type ExternalIdentity } from "./oidc.ts";
export { approvalRefusal, isPrivilegedRole, type Party } from "./four-eyes.ts";
