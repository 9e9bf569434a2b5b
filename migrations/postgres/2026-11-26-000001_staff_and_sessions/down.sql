DROP TABLE audit_records;
DROP TABLE refresh_tokens;
DROP TABLE user_areas;
DROP TABLE user_roles;
DROP TABLE users;
