import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiHarness, expectProblem, type TestUser } from "./testing/harness.ts";

let h: ApiHarness;
let admin: TestUser;
let admin2: TestUser;

beforeAll(async () => {
  h = await ApiHarness.start();
  [admin, admin2] = await Promise.all([h.createUser("admin"), h.createUser("admin")]);
});
afterAll(async () => h.close());

const disable = (token: string, id: string, reason = "left the team") =>
  h.request("POST", `/users/${id}/disable`, { token, body: { reason } });

describe("user administration", () => {
  it("lists accounts with their role and status, a page at a time, and audits the read", async () => {
    const { accessToken } = await h.login(admin);
    const viewer = await h.createUser("viewer");
    const first = await h.request("GET", "/users?limit=2", { token: accessToken });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json() as {
      items: { id: string; email: string; role: string; status: string }[];
      nextCursor: string;
    };
    expect(page1.items).toHaveLength(2);
    const rest = await h.request("GET", `/users?limit=100&cursor=${page1.nextCursor}`, { token: accessToken });
    const page2 = rest.json() as {
      items: { id: string; email: string; role: string; status: string }[];
      nextCursor: null;
    };
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.items, ...page2.items];
    expect(all.map((u) => u.id)).toEqual([...new Set(all.map((u) => u.id))]);
    expect(all).toContainEqual(
      expect.objectContaining({ id: viewer.id, email: viewer.email, role: "viewer", status: "active" }),
    );
    expect(await h.auditCount({ action: "users.list", outcome: "success" })).toBe(2);
    expect(JSON.stringify(all)).not.toMatch(/password|totpSecret|\$argon2/);
  });

  it("disables an account: its sessions end at once, it cannot log in or refresh, and a ledger row says who and why", async () => {
    const { accessToken } = await h.login(admin);
    const victim = await h.createUser("operator");
    const theirs = await h.login(victim);
    const res = await disable(accessToken, victim.id);
    expect(res.statusCode, res.body).toBe(200);
    expectProblem(await h.request("GET", "/mode/status", { token: theirs.accessToken }), 401);
    expectProblem(await h.request("POST", "/auth/refresh", { body: { refreshToken: theirs.refreshToken } }), 401);
    expectProblem(
      await h.request("POST", "/auth/login", {
        body: { email: victim.email, password: victim.password, totp: h.code(victim) },
      }),
      401,
    );
    const rows = await h.ledger().list({ action: "users.disabled", subject: victim.id, limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: admin.id, outcome: "success", detail: { reason: "left the team" } });
    const listed = (await h.request("GET", "/users?limit=500", { token: accessToken })).json() as {
      items: { id: string; status: string }[];
    };
    expect(listed.items.find((u) => u.id === victim.id)?.status).toBe("disabled");
    expectProblem(await disable(accessToken, victim.id), 409);
  });

  it("refuses a self-disable, and never disables the last active admin even when two admins race", async () => {
    const a = await h.login(admin);
    expect(expectProblem(await disable(a.accessToken, admin.id), 409).type).toMatch(/self$/);
    const b = await h.login(admin2);
    // Every other admin account made by the harness is disabled first, so exactly these two remain active.
    const { rows } = await h.pool.query<{ id: string }>(
      "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> ALL($1::uuid[])",
      [[admin.id, admin2.id]],
    );
    for (const r of rows) expect((await disable(a.accessToken, r.id)).statusCode).toBe(200);
    const [ab, ba] = await Promise.all([disable(a.accessToken, admin2.id), disable(b.accessToken, admin.id)]);
    const statuses = [ab.statusCode, ba.statusCode].sort();
    // One of them wins (and ends the loser's session); the other is refused: last admin, or its session just ended.
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    const { rows: active } = await h.pool.query(
      "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL AND erased_at IS NULL",
    );
    expect(active).toHaveLength(1);
  });

  it("a viewer sees no user and disables nobody: 403 problems, each with a ledger row", async () => {
    const viewer = await h.createUser("viewer");
    const { accessToken } = await h.login(viewer);
    const before = await h.auditCount({ action: "authz.denied" });
    expectProblem(await h.request("GET", "/users", { token: accessToken }), 403);
    expectProblem(await h.request("GET", "/users/grants", { token: accessToken }), 403);
    expectProblem(await disable(accessToken, admin.id), 403);
    expect(await h.auditCount({ action: "authz.denied" })).toBe(before + 3);
  });
});

describe("privileged grants and disabled accounts", () => {
  it("lists a pending grant, and a disabled account is granted nothing", async () => {
    const h2 = await ApiHarness.start();
    try {
      const [a, b] = await Promise.all([h2.createUser("admin"), h2.createUser("admin")]);
      const ta = await h2.login(a);
      const made = await h2.request("POST", "/users", {
        token: ta.accessToken,
        body: { email: "future-admin@example.com", role: "admin", password: "a long enough password" },
      });
      expect(made.statusCode, made.body).toBe(201);
      const { id, pendingGrant } = made.json() as { id: string; pendingGrant: { id: string } };
      const grants = (await h2.request("GET", "/users/grants", { token: ta.accessToken })).json() as {
        items: { id: string; subject: string; payload: { role: string } }[];
      };
      expect(grants.items).toEqual([
        expect.objectContaining({ id: pendingGrant.id, subject: id, payload: { role: "admin" } }),
      ]);
      expect(
        (await h2.request("POST", `/users/${id}/disable`, { token: ta.accessToken, body: { reason: "mistake" } }))
          .statusCode,
      ).toBe(200);
      const tb = await h2.login(b);
      const approved = await h2.request("POST", `/users/grants/${pendingGrant.id}/approve`, { token: tb.accessToken });
      expectProblem(approved, 409);
      const { rows } = await h2.pool.query<{ role: string }>("SELECT role FROM users WHERE id = $1", [id]);
      expect(rows[0]?.role).toBe("viewer");
      expectProblem(
        await h2.request("POST", `/users/${id}/role`, { token: ta.accessToken, body: { role: "trader" } }),
        409,
      );
    } finally {
      await h2.close();
    }
  });
});
