DROP FUNCTION audit_append_batch(text, boolean);
