import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { problemResponses } from "../routes/deps.ts";
import { ProblemError } from "../problem.ts";

/** Where `npm run build:console` (run by `npm ci` through `prepare`) writes the console's assets. */
export const CONSOLE_DIST = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/**
 * The console's policy: scripts, styles and connections from this origin only, no inline script or style, no
 * framing, no plugins. Stricter than the API's default (which lets the OpenAPI page use inline styles).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Serves the built console at /console/ from the API's own origin. */
export async function registerConsoleAssets(app: FastifyInstance, dist = CONSOLE_DIST): Promise<void> {
  if (!existsSync(dist)) {
    app.get("/console/*", { schema: { hide: true, response: problemResponses } }, async () => {
      throw new ProblemError(503, "console-not-built", "the console is not built: run npm run build:console");
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: "/console/",
    index: "index.html",
    wildcard: true,
    setHeaders: (res) => {
      res.header("content-security-policy", CONSOLE_CSP);
      res.header("cache-control", "no-cache");
    },
  });
  app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/console/", 302));
}
