export { Kms, type KmsArgs } from "./kms.ts";
export { KEY_PURPOSES, validateKeyPolicy, MAX_ROTATION_SECONDS, MIN_DESTROY_SECONDS, type KeyPurpose } from "./keys.ts";
