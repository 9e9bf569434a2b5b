DROP TABLE audit_cosignatures;
