import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import type { Readiness } from "../bot.ts";

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * /healthz (the process is alive), /readyz (its dependencies answer and its state is loaded: 503 with the reasons
 * otherwise) and /metrics, on the port the platform gives (Cloud Run's PORT).
 */
export async function serveHealth(o: {
  port: number;
  host: string;
  readiness: () => Readiness[];
  metrics?: Registry;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (path === "/readyz") {
      const waiting = o.readiness().flatMap((r) => (r.ready ? [] : [r.reason]));
      const body = waiting.length === 0 ? { status: "ready" } : { status: "waiting", waiting };
      res.writeHead(waiting.length === 0 ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
      return;
    }
    if (path === "/metrics" && o.metrics) {
      const registry = o.metrics;
      registry
        .metrics()
        .then((body) => res.writeHead(200, { "content-type": registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404).end();
  });
  // Cloud Run's front end keeps connections open; a stopping server must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return {
    url: `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
