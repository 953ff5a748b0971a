import type { Logger } from "pino";
import type pg from "pg";
import type { Bus } from "../bus/index.ts";
import type { ControlStore } from "../control/index.ts";
import type { PipelineMetrics } from "../metrics/index.ts";
import type { GasModel } from "../domain/index.ts";
import { OrchestratorService, type BlockDecision } from "../orchestrator/index.ts";
import { StoreHealth } from "../store/index.ts";
import type { BotService, Readiness } from "./bot.ts";

export interface OrchestratorConfig {
  gas: GasModel;
}

export interface OrchestratorConnections {
  bus: Bus;
  control: ControlStore;
  db: pg.Pool;
  metrics: PipelineMetrics;
  log: Logger;
}

export interface OrchestratorHooks {
  onDecision?: (d: BlockDecision) => void;
  /** PostgreSQL went away or came back (no orders while it is away). */
  onStoreHealth?: (healthy: boolean) => void;
  consumer?: string;
}

/** The orchestrator as a service: opportunities in, recorded decisions and orders out, the risk ledger kept. */
export class OrchestratorBot implements BotService {
  readonly bot = "orchestrator";
  private readonly health: StoreHealth;
  private service: OrchestratorService | null = null;

  constructor(
    private readonly config: OrchestratorConfig,
    private readonly conn: OrchestratorConnections,
    private readonly hooks: OrchestratorHooks = {},
  ) {
    this.health = new StoreHealth(conn.db);
  }

  async start(): Promise<void> {
    const { bus, control, db, metrics, log } = this.conn;
    await this.health.start();
    if (this.hooks.onStoreHealth) this.health.onChange(this.hooks.onStoreHealth);
    const service = new OrchestratorService({
      bus,
      control,
      storeHealthy: () => this.health.healthy,
      db,
      gas: this.config.gas,
      metrics,
      log,
      ...(this.hooks.consumer ? { consumer: this.hooks.consumer } : {}),
      ...(this.hooks.onDecision ? { onDecision: this.hooks.onDecision } : {}),
    });
    await service.start();
    this.service = service;
  }

  readiness(): Readiness {
    if (this.service === null) return { ready: false, reason: "orchestrator not started" };
    return this.health.healthy ? { ready: true } : { ready: false, reason: "PostgreSQL unreachable: no new orders" };
  }

  /** A block being decided finishes; messages not yet acknowledged go to another orchestrator. */
  async stop(): Promise<void> {
    await this.service?.stop();
    this.service = null;
    this.health.stop();
  }
}
