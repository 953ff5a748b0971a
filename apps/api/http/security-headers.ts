/**
 * The security headers helmet writes, computed once. Our helmet options are static (no CSP nonces, nothing read
 * from the request), so every response gets the same headers; running helmet's middleware chain per request (a
 * closure and a validated raw setHeader per header) was a fifth of an authenticated request's CPU time.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The headers `middleware` sets on a response, lowercase names; refuses a middleware that does anything else. */
export function staticSecurityHeaders(middleware: Middleware): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  let done = false;
  const res = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
      return res;
    },
    // helmet drops X-Powered-By, which fastify never sets.
    removeHeader() {},
  };
  middleware({ headers: {} } as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    done = true;
  });
  if (!done) throw new Error("security headers: the middleware did not finish synchronously");
  return Object.freeze(headers);
}
