-- Scenario 1, GET /case-files/{id} as the case manager: the statements the server executes for
-- one request (captured with log_statement = 'all'; see docs/benchmarks.md), in order.
-- Variables: :user_id :user_ids ('{id}') :username :actor_roles :today :now :audit_async (globals of the plan),
-- :case_file_id :case_file_ids ('{id}') :audit_persons ('{person id}') (one script per file).
-- bench/load.sh expands it (bench/loadlib.py pgbench-scripts) and runs it with -M prepared, so
-- that each statement is prepared once and then executed with its parameters, as diesel does.

-- The Authorization extractor: the account, on a pooled connection outside the handler's
-- transaction (no SELECT 1: a connection used less than 500 ms ago is handed out untested,
-- persistence/src/db.rs, and under load every one is).
SELECT "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."password_hash", "users"."active", "users"."created_at", "users"."updated_at", "users"."disabled_at" FROM "users" WHERE ("users"."id" = :user_id) LIMIT 1;
SELECT "user_roles"."user_id", "user_roles"."role" FROM "user_roles" WHERE ("user_roles"."user_id" = ANY(:user_ids));
SELECT "user_areas"."user_id", "user_areas"."area" FROM "user_areas" WHERE ("user_areas"."user_id" = ANY(:user_ids));

-- The handler's transaction, on another pooled connection.
BEGIN;
-- The guard: the access facts of the file (file, current team, the caller's break-glass grants).
SELECT "case_files"."id", "case_files"."person_id", "case_files"."area" FROM "case_files" WHERE ("case_files"."id" = :case_file_id);
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id", "case_file_team"."role", "case_file_team"."sensitive_access" FROM "case_file_team" WHERE ((("case_file_team"."case_file_id" = ANY(:case_file_ids)) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
SELECT "break_glass_grants"."case_file_id", "break_glass_grants"."reason" FROM "break_glass_grants" WHERE (((("break_glass_grants"."staff_id" = :user_id) AND ("break_glass_grants"."case_file_id" = ANY(:case_file_ids))) AND ("break_glass_grants"."expires_at" > :now)) AND ("break_glass_grants"."granted_at" <= :now)) ORDER BY "break_glass_grants"."expires_at" ASC;
-- render: the file with its target groups (its current case manager is the guard's).
SELECT "case_files"."id", "case_files"."reference", "case_files"."person_id", "case_files"."area", "case_files"."status", "case_files"."opened_on", "case_files"."closed_on", "case_files"."closing_reason", "case_files"."version", "case_files"."created_at", "case_files"."created_by", "case_files"."updated_at", "case_files"."updated_by" FROM "case_files" WHERE ("case_files"."id" = :case_file_id) LIMIT 1;
SELECT "case_file_target_groups"."case_file_id", "case_file_target_groups"."target_group" FROM "case_file_target_groups" WHERE ("case_file_target_groups"."case_file_id" = ANY(:case_file_ids));
-- @include audit-append.sql case_file.read case_file :case_file_id NULL
COMMIT;
