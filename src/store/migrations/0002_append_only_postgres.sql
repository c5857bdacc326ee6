-- The audit trail is append-only: the database itself refuses edits and deletions.
CREATE FUNCTION triage_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit trail is append-only; incidents are retained'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION triage_refuse_change();
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION triage_refuse_change();
