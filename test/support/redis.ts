import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { deleteKeysWithPrefix as deleteKeys } from "../../apps/bus/index.ts";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A unique key prefix per test file, and a cleanup that deletes every key under it. */
export function testKeyPrefix(): string {
  return `orion-test:${randomBytes(6).toString("hex")}:`;
}

export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    await deleteKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
