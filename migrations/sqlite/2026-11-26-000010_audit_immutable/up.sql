-- The audit trail is append-only: every UPDATE or DELETE of a record or of its person links is
-- refused by the database itself. Mirrored in migrations/postgres (which also refuses TRUNCATE,
-- a statement SQLite does not have).
--
-- Applied only after the application has chained the records that existed before
-- 2026-11-26-000009_audit_chain. Whoever can write the database file can drop these triggers:
-- the hash chain (`socialcare audit verify`) is what reveals such a change.

CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_records is not allowed');
END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on audit_records is not allowed');
END;
CREATE TRIGGER audit_record_persons_no_update BEFORE UPDATE ON audit_record_persons
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_record_persons is not allowed');
END;
CREATE TRIGGER audit_record_persons_no_delete BEFORE DELETE ON audit_record_persons
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on audit_record_persons is not allowed');
END;
