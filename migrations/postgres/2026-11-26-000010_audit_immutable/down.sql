DROP TRIGGER audit_record_persons_no_truncate ON audit_record_persons;
DROP TRIGGER audit_record_persons_append_only ON audit_record_persons;
DROP TRIGGER audit_records_no_truncate ON audit_records;
DROP TRIGGER audit_records_append_only ON audit_records;
DROP FUNCTION audit_trail_append_only();
