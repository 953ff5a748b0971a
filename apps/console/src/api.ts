import { PERMISSIONS, type Permission, type Role } from "../../identity/roles.ts";

/** An RFC 9457 problem from the API, shown to the operator as its detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
  ) {
    super(detail);
  }
}

export interface Claims {
  userId: string;
  role: Role;
  /** Unix seconds. */
  expiresAt: number;
}

// The access token lives in memory only; the refresh token is an httpOnly cookie the page cannot read.
let accessToken: string | null = null;
let claims: Claims | null = null;
const listeners = new Set<(c: Claims | null) => void>();

const CLIENT = { "x-orion-client": "console" };

function decode(token: string): Claims {
  const payload = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as {
    sub: string;
    role: Role;
    exp: number;
  };
  return { userId: payload.sub, role: payload.role, expiresAt: payload.exp };
}

function setToken(token: string | null): void {
  accessToken = token;
  claims = token ? decode(token) : null;
  for (const l of listeners) l(claims);
}

export function onSession(listener: (c: Claims | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentClaims(): Claims | null {
  return claims;
}

export function can(permission: Permission): boolean {
  return claims !== null && (PERMISSIONS[permission] as readonly Role[]).includes(claims.role);
}

async function problem(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { type?: string; detail?: string };
  return new ApiError(res.status, body.type ?? "error", body.detail ?? `request failed (${res.status})`);
}

async function post(path: string, body: unknown, token: string | null = null): Promise<Response> {
  return fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { ...CLIENT, "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

export async function signIn(email: string, password: string, totp: string): Promise<void> {
  const res = await post("/auth/login", { email, password, totp });
  if (!res.ok) throw await problem(res);
  setToken(((await res.json()) as { accessToken: string }).accessToken);
}

let refreshing: Promise<boolean> | null = null;

/**
 * A new access token from the refresh cookie; false (signed out) when the session is over. One refresh at a time:
 * the timer, the live feed and a 401 can all ask at once, and a second request with the already-rotated cookie
 * would look like a stolen token and end the session.
 */
export function refresh(): Promise<boolean> {
  refreshing ??= rotate().finally(() => (refreshing = null));
  return refreshing;
}

async function rotate(): Promise<boolean> {
  const res = await post("/auth/refresh", {});
  if (!res.ok) {
    setToken(null);
    return false;
  }
  setToken(((await res.json()) as { accessToken: string }).accessToken);
  return true;
}

export async function signOut(): Promise<void> {
  if (accessToken)
    await fetch("/auth/logout", { method: "POST", headers: { ...CLIENT, authorization: `Bearer ${accessToken}` } });
  setToken(null);
}

/** Proves the second factor again on this session (for approvals and releasing the kill switch). */
export async function stepUp(totp: string): Promise<void> {
  const res = await post("/auth/mfa", { totp }, accessToken);
  if (!res.ok) throw await problem(res);
  setToken(((await res.json()) as { accessToken: string }).accessToken);
}

/** An authenticated JSON request; an expired access token is refreshed once from the cookie and the call retried. */
export async function api<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
  const send = () =>
    fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        ...CLIENT,
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let res = await send();
  if (res.status === 401) {
    const p = await problem(res.clone());
    if (p.type.endsWith("mfa-required")) throw p;
    if (!(await refresh())) throw new ApiError(401, "session-expired", "your session has ended: sign in again");
    res = await send();
  }
  if (!res.ok) throw await problem(res);
  return (res.status === 204 ? null : await res.json()) as T;
}

/**
 * Server-sent events over fetch (EventSource cannot send the Authorization header). Reconnects after a refresh when
 * the server ends the stream because the access token expired; stops on abort.
 */
export async function streamEvents(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: { ...CLIENT, authorization: `Bearer ${accessToken ?? ""}` }, signal });
      if (res.status === 401) {
        if (!(await refresh())) return;
        continue;
      }
      if (!res.ok || !res.body) throw await problem(res);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? "message";
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (data !== undefined) onEvent(event, JSON.parse(data));
        }
      }
      if (claims && Date.now() / 1000 >= claims.expiresAt - 1 && !(await refresh())) return;
    } catch {
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
