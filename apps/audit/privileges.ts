import type pg from "pg";

/**
 * What the connected role could do to the ledger beyond reading and appending: each entry is one way the database
 * would let it rewrite history (a superuser, the table's owner or a member of its role can disable the triggers).
 * Empty for a member of orion_app.
 */
export async function ledgerRewriteRisks(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{
    superuser: boolean;
    owner: boolean;
    update: boolean;
    del: boolean;
    trunc: boolean;
  }>(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(current_user, c.relowner, 'MEMBER') AS owner,
            has_table_privilege('audit_log', 'UPDATE') AS update,
            has_table_privilege('audit_log', 'DELETE') AS del,
            has_table_privilege('audit_log', 'TRUNCATE') AS trunc
       FROM pg_class c, pg_roles r
      WHERE c.oid = 'audit_log'::regclass AND r.rolname = current_user`,
  );
  const r = rows[0];
  if (!r) return [];
  return [
    r.superuser ? "is a superuser" : null,
    r.owner ? "owns audit_log (or is a member of its owner)" : null,
    r.update ? "may UPDATE audit_log" : null,
    r.del ? "may DELETE from audit_log" : null,
    r.trunc ? "may TRUNCATE audit_log" : null,
  ].filter((x): x is string => x !== null);
}
