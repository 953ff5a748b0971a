import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { RouteDeps } from "../routes/deps.ts";
import { registerOverviewEvents } from "./events.ts";
import { registerRefreshCookie } from "./refresh-cookie.ts";
import { registerConsoleAssets } from "./static.ts";

export { CONSOLE_CSP, CONSOLE_DIST } from "./static.ts";
export { CONSOLE_CLIENT_HEADER, REFRESH_COOKIE } from "./refresh-cookie.ts";

/** The operator console: its assets, the refresh cookie it signs in with, and its live overview stream. */
export async function registerConsole(
  app: FastifyInstance,
  deps: RouteDeps,
  registry: Registry,
  o: { dist?: string; overviewRefreshMs?: number | undefined } = {},
): Promise<void> {
  registerRefreshCookie(app);
  registerOverviewEvents(app, deps, registry, o.overviewRefreshMs);
  await registerConsoleAssets(app, o.dist);
}
