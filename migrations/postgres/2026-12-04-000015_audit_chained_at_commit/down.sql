DROP TRIGGER audit_pending_chain ON audit_pending;
DROP FUNCTION audit_chain_pending();
DROP TABLE audit_pending;
