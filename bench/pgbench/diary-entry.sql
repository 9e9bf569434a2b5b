-- Scenario 4, POST /case-files/{id}/diary-entries as the case manager, without Idempotency-Key:
-- the statements the server executes for one request, in order (see case-file.sql for the
-- conventions). Variables: :case_file_id :case_file_ids ('{id}') :occurred_at :diary_text
-- :audit_persons ('{person id}') :audit_details (one script, for the manifest's diary file).
-- The entry's id is a UUID v7 made in the server; here in SQL (the same expression as the audit
-- record's), returned with RETURNING for the audit record.

SELECT "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."password_hash", "users"."active", "users"."created_at", "users"."updated_at", "users"."disabled_at" FROM "users" WHERE ("users"."id" = :user_id) LIMIT 1;
SELECT "user_roles"."user_id", "user_roles"."role" FROM "user_roles" WHERE ("user_roles"."user_id" = ANY(:user_ids));
SELECT "user_areas"."user_id", "user_areas"."area" FROM "user_areas" WHERE ("user_areas"."user_id" = ANY(:user_ids));

BEGIN;
SELECT "case_files"."id", "case_files"."person_id", "case_files"."area" FROM "case_files" WHERE ("case_files"."id" = :case_file_id);
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id", "case_file_team"."role", "case_file_team"."sensitive_access" FROM "case_file_team" WHERE ((("case_file_team"."case_file_id" = ANY(:case_file_ids)) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
SELECT "break_glass_grants"."case_file_id", "break_glass_grants"."reason" FROM "break_glass_grants" WHERE (((("break_glass_grants"."staff_id" = :user_id) AND ("break_glass_grants"."case_file_id" = ANY(:case_file_ids))) AND ("break_glass_grants"."expires_at" > :now)) AND ("break_glass_grants"."granted_at" <= :now)) ORDER BY "break_glass_grants"."expires_at" ASC;
INSERT INTO "diary_entries" ("id", "case_file_id", "kind", "occurred_at", "text", "restricted", "corrects_entry_id", "author_id", "version", "created_at", "updated_at") VALUES (encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid, :case_file_id, 'interview', :occurred_at, :diary_text, false, NULL, :user_id, 1, clock_timestamp(), clock_timestamp()) RETURNING "id" \gset entry_
-- @include audit-append.sql diary_entry.create diary_entry :entry_id :audit_details
COMMIT;
