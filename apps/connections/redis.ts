/**
 * Where Redis is and how to reach it safely. Locally `REDIS_URL`; in the cloud Memorystore, named by `REDIS_HOST`
 * (and `REDIS_PORT`), with in-transit encryption verified against the instance's server CA (`REDIS_CA_CERT`) and AUTH
 * (`REDIS_PASSWORD`, from Secret Manager). When TLS is asked for, there is no plaintext path: a handshake that fails
 * is an error and readiness false, never a retry without TLS.
 */
import { X509Certificate } from "node:crypto";
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import { z } from "zod";
import { parseEnv, redisVariables } from "../domain/env/index.ts";
import { EnvError } from "./env-error.ts";
import type { Readiness } from "./env-error.ts";

/** Memorystore serves TLS on 6378 (SERVER_AUTHENTICATION mode); plaintext Redis listens on 6379. */
const MEMORYSTORE_TLS_PORT = 6378;
const REDIS_PORT = 6379;

/** The Redis variables of the env contract (apps/domain/env), on their own. */
export const redisEnvSchema = z.object(redisVariables);
export type RedisEnv = z.input<typeof redisEnvSchema>;

export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  username?: string;
  /** Never logged, never in an error. */
  password?: string;
  /** Present: TLS only, verified against `ca` (or the system roots when it is absent, for rediss:// URLs). */
  tls?: { ca?: string };
}

/** Reads the endpoint from the REDIS_* variables; throws EnvError naming the variable that is wrong. */
export function redisEndpoint(raw: RedisEnv): RedisEndpoint {
  const env = parseEnv(redisEnvSchema, raw as NodeJS.ProcessEnv);
  const url = env.REDIS_URL || undefined;
  const host = env.REDIS_HOST || undefined;
  if (url && host)
    throw new EnvError("REDIS_URL", "and REDIS_HOST are both set: use REDIS_URL locally, REDIS_HOST in the cloud");
  if (!url && !host) throw new EnvError("REDIS_HOST", "is not set (or set REDIS_URL for a local Redis)");
  const ca = env.REDIS_CA_CERT ? pemCertificate(env.REDIS_CA_CERT) : undefined;
  const password = env.REDIS_PASSWORD || undefined;

  if (url) {
    const endpoint = fromUrl(url);
    const tls = endpoint.tls !== undefined || env.REDIS_TLS === "true";
    if (env.REDIS_TLS === "false" && endpoint.tls) {
      throw new EnvError("REDIS_TLS", "is false but REDIS_URL is rediss://: TLS cannot be turned off for a TLS URL");
    }
    if (env.REDIS_TLS === "true" && !endpoint.tls) {
      throw new EnvError("REDIS_URL", "must be rediss:// when REDIS_TLS is true");
    }
    return {
      ...endpoint,
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: ca ? { ca } : {} } : {}),
    };
  }

  const tls = env.REDIS_TLS === "true";
  if (tls && !ca)
    throw new EnvError("REDIS_CA_CERT", "is not set: TLS to Memorystore is verified against its server CA");
  const port = env.REDIS_PORT ?? (tls ? MEMORYSTORE_TLS_PORT : REDIS_PORT);
  if (port === 0) throw new EnvError("REDIS_PORT", "must be a port number 1..65535");
  return {
    host: host as string,
    port,
    db: 0,
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls: { ca } } : {}),
  };
}

/** ioredis options for the endpoint; callers add their own timeouts and retry policy. */
export function redisOptions(e: RedisEndpoint): RedisOptions {
  return {
    host: e.host,
    port: e.port,
    db: e.db,
    ...(e.username !== undefined ? { username: e.username } : {}),
    ...(e.password !== undefined ? { password: e.password } : {}),
    // rejectUnauthorized is Node's default; stated so no option merge can turn verification off.
    ...(e.tls ? { tls: { ...(e.tls.ca ? { ca: e.tls.ca } : {}), rejectUnauthorized: true } } : {}),
  };
}

/** A client for the endpoint with the caller's options on top (timeouts, lazyConnect, retry strategy). */
export function createRedis(e: RedisEndpoint, extra: RedisOptions = {}): Redis {
  return new Redis({ ...extra, ...redisOptions(e) });
}

/** Where the endpoint is, for logs: host and port, never the password. */
export function describeRedisEndpoint(e: RedisEndpoint): string {
  return `${e.tls ? "rediss" : "redis"}://${e.host}:${e.port}`;
}

/** Certificate verification failures Node reports on a TLS handshake. */
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** One line saying what went wrong and which variable to fix; never the password. */
export function describeRedisError(err: unknown, e: RedisEndpoint): string {
  const where = `Redis at ${e.host}:${e.port}`;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "string" && UNTRUSTED.has(code)) {
    return `${where}: its TLS certificate is not trusted (${code}): REDIS_CA_CERT must be the server's CA`;
  }
  if (/WRONGPASS|invalid password/i.test(message) || (/NOAUTH/.test(message) && e.password !== undefined)) {
    return `${where}: AUTH refused: REDIS_PASSWORD is not the server's password`;
  }
  if (/NOAUTH/.test(message)) return `${where}: the server requires AUTH: set REDIS_PASSWORD`;
  // A plaintext server reads the ClientHello as a command and never answers it: the handshake times out.
  if (e.tls && (code === "ECONNRESET" || code === "ETIMEDOUT" || /SSL|TLS|wrong version number/i.test(message))) {
    return `${where}: no TLS session (${typeof code === "string" ? code : message}): is it reachable, and does that port serve TLS?`;
  }
  return `${where} unreachable: ${typeof code === "string" ? code : message}`;
}

/**
 * Readiness of Redis for `/readyz`: one long-lived client that PINGs. The last connection error (TLS, AUTH) is kept,
 * because after it ioredis reports only "Connection is closed" to the command that follows.
 */
export class RedisProbe {
  private readonly client: Redis;
  private lastError: unknown = null;

  constructor(
    private readonly endpoint: RedisEndpoint,
    timeoutMs = 2_000,
  ) {
    this.client = createRedis(endpoint, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on("error", (err: unknown) => (this.lastError = err));
    this.client.on("ready", () => (this.lastError = null));
  }

  async check(): Promise<Readiness> {
    try {
      if (this.client.status === "wait") await this.client.connect();
      await this.client.ping();
      return { ready: true };
    } catch (err) {
      return { ready: false, reason: describeRedisError(this.lastError ?? err, this.endpoint) };
    }
  }

  close(): void {
    this.client.disconnect();
  }
}

function fromUrl(url: string): RedisEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EnvError("REDIS_URL", "must be a URL like redis://127.0.0.1:6379");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new EnvError("REDIS_URL", `must start with redis:// or rediss://, not ${u.protocol}//`);
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new EnvError("REDIS_URL", "must name a database number as its path, e.g. /0");
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : REDIS_PORT,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

function pemCertificate(pem: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw new EnvError("REDIS_CA_CERT", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return pem;
}
