import type { Registry } from "prom-client";
import type { RunningApi } from "../api/index.ts";
import type { ChainChecks } from "../api/index.ts";
import type { ControlStore } from "../control/index.ts";
import type { BotService, Readiness } from "./bot.ts";

export interface ApiConfig {
  /** The API's own environment (apps/api/config.ts): database, Redis, keys, OIDC, CORS. */
  env: NodeJS.ProcessEnv;
  port: number;
  host: string;
  logLevel: string;
}

export interface ApiConnections {
  /** The control store to share (orion dev); the API opens its own from REDIS_URL otherwise. */
  control?: ControlStore;
  chainChecks?: ChainChecks;
  metrics?: Registry;
}

/** The control-plane API as a service; it serves its own /healthz and /readyz. */
export class ApiBot implements BotService {
  readonly bot = "api";
  private api: RunningApi | null = null;

  constructor(
    private readonly config: ApiConfig,
    private readonly conn: ApiConnections = {},
  ) {}

  get url(): string | null {
    return this.api?.url ?? null;
  }

  async start(): Promise<void> {
    // Loaded on use: the API's identity and HTTP stack are not needed by the other bots.
    const { startApiServer } = await import("../api/index.ts");
    this.api = await startApiServer({
      env: this.config.env,
      port: this.config.port,
      host: this.config.host,
      logLevel: this.config.logLevel,
      ...(this.conn.control ? { control: this.conn.control } : {}),
      ...(this.conn.chainChecks ? { chainChecks: this.conn.chainChecks } : {}),
      ...(this.conn.metrics ? { metrics: this.conn.metrics } : {}),
    });
  }

  readiness(): Readiness {
    return this.api === null ? { ready: false, reason: "API not started" } : { ready: true };
  }

  /** Fastify stops accepting connections and lets the requests in progress finish. */
  async stop(): Promise<void> {
    await this.api?.close();
    this.api = null;
  }
}
