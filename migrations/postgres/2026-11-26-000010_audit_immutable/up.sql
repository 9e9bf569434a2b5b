-- The audit trail is append-only: every UPDATE, DELETE or TRUNCATE of a record or of its person
-- links is refused by the database itself, whatever the code does. Mirrored in migrations/sqlite.
--
-- Applied only after the application has chained the records that existed before
-- 2026-11-26-000009_audit_chain (that step writes their hashes).
--
-- A role that owns these tables (or a superuser) can still disable or drop the triggers
-- (ALTER TABLE ... DISABLE TRIGGER, or SET session_replication_role = replica). In production,
-- run the migrations with the owning role and serve the API with a role that is not the owner
-- and has only SELECT and INSERT on audit_records and audit_record_persons (see docs/audit.md);
-- the hash chain then still reveals any change made by someone who holds the owner role.

CREATE FUNCTION audit_trail_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$;

CREATE TRIGGER audit_records_append_only
    BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only();
CREATE TRIGGER audit_records_no_truncate
    BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();
CREATE TRIGGER audit_record_persons_append_only
    BEFORE UPDATE OR DELETE ON audit_record_persons
    FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only();
CREATE TRIGGER audit_record_persons_no_truncate
    BEFORE TRUNCATE ON audit_record_persons
    FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();
