import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { REFRESH_TTL_SECONDS } from "../../identity/index.ts";

/** The console asks for the refresh token as a cookie with this header; other clients keep the JSON field. */
export const CONSOLE_CLIENT_HEADER = "x-orion-client";
export const REFRESH_COOKIE = "orion_refresh";
const COOKIE_PATH = "/auth";
/** Routes whose answer carries a refresh token. */
const ISSUING = new Set(["/auth/login", "/auth/oidc", "/auth/refresh"]);

function cookieValue(request: FastifyRequest, name: string): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=") || null;
  }
  return null;
}

function isConsole(request: FastifyRequest): boolean {
  return request.headers[CONSOLE_CLIENT_HEADER] === "console";
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void {
  // Secure except on a loopback http origin (a laptop, the browser tests), where browsers would drop it.
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(request.headers.host ?? "");
  const secure = request.protocol === "https" || !loopback;
  reply.header(
    "set-cookie",
    `${REFRESH_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`,
  );
}

/**
 * For the console, the refresh token lives in an httpOnly, SameSite=Strict cookie scoped to /auth instead of the
 * JSON body, so no script (nor an XSS) can read it: the token leaves every answer that issues one, and
 * POST /auth/refresh takes it from the cookie when the body names none. Logout clears it.
 */
export function registerRefreshCookie(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    if (request.method !== "POST" || request.url !== "/auth/refresh" || !isConsole(request)) return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = cookieValue(request, REFRESH_COOKIE);
    if (body.refreshToken === undefined && token !== null) request.body = { ...body, refreshToken: token };
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (request.method !== "POST" || !isConsole(request)) return payload;
    const path = request.url.split("?")[0] ?? "";
    if (path === "/auth/logout" || (path === "/auth/refresh" && reply.statusCode === 401)) {
      setCookie(request, reply, "", 0);
      return payload;
    }
    if (!ISSUING.has(path) || reply.statusCode !== 200 || typeof payload !== "string") return payload;
    const body = JSON.parse(payload) as Record<string, unknown>;
    if (typeof body.refreshToken !== "string") return payload;
    setCookie(request, reply, body.refreshToken, REFRESH_TTL_SECONDS);
    delete body.refreshToken;
    return JSON.stringify(body);
  });
}
