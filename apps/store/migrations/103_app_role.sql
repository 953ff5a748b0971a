-- Database roles (issue 13, item 3). The role that runs these migrations owns every table; the services run as a
-- login role that is a member of orion_app, which owns nothing: it may read and write the working tables but only
-- read and append the audit ledger, so it can neither UPDATE/DELETE/TRUNCATE it nor disable its triggers (that
-- needs ownership). Roles are cluster-wide, hence the existence check; the grants are per database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orion_app') THEN
    CREATE ROLE orion_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- Another database of the same cluster created it at the same moment.
  NULL;
END;
$$;

GRANT USAGE ON SCHEMA public TO orion_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO orion_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO orion_app;
-- Tables later migrations create (as this owner) get the same grants; the ledger is the exception below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO orion_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO orion_app;

REVOKE ALL ON audit_log FROM orion_app;
GRANT SELECT, INSERT ON audit_log TO orion_app;
-- Applied migrations are the owner's record.
REVOKE ALL ON schema_migrations FROM orion_app;
GRANT SELECT ON schema_migrations TO orion_app;
