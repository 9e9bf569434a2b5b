-- Scenario 2, GET /persons?q=FRAGMENT as the case manager (first page of 20): the statements the
-- server executes for one request, in order (see case-file.sql for the conventions).
-- What a search executes depends on what it finds: one script per fragment, expanded from the
-- plan that `socialcare-bench anchor --scenario person-search --plan` computes with the server's
-- own code (which persons are shown, which of them the caller may only see in the directory,
-- their files and case managers). Variables per fragment: :token_lo :token_hi (per word),
-- :shown ('{…}' the persons on the page), :shown_files ('{…}' their case files),
-- :dir_person_id :dir_files :manager_id :manager_ids (per directory person and case manager),
-- :audit_persons :audit_details.

SELECT 1;
SELECT "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."password_hash", "users"."active", "users"."created_at", "users"."updated_at", "users"."disabled_at" FROM "users" WHERE ("users"."id" = :user_id) LIMIT 1;
SELECT "user_roles"."user_id", "user_roles"."role" FROM "user_roles" WHERE ("user_roles"."user_id" = ANY(:user_ids));
SELECT "user_areas"."user_id", "user_areas"."area" FROM "user_areas" WHERE ("user_areas"."user_id" = ANY(:user_ids));

SELECT 1;
BEGIN;
-- persons::search: one `id = ANY(…)` condition per word of the fragment.
SELECT "persons"."id", "persons"."given_names", "persons"."family_names", "persons"."name_key", "persons"."sort_key", "persons"."birth_date", "persons"."birth_place", "persons"."sex", "persons"."citizenship", "persons"."tax_code", "persons"."residence_kind", "persons"."address_street", "persons"."address_postal_code", "persons"."address_municipality", "persons"."address_province", "persons"."phone", "persons"."email", "persons"."languages", "persons"."version", "persons"."created_at", "persons"."created_by", "persons"."updated_at", "persons"."updated_by", "persons"."annulled_at", "persons"."annulled_by", "persons"."annulment_reason" FROM "persons" WHERE (
-- @repeat tokens
("persons"."id" = ANY(SELECT "person_name_tokens"."person_id" FROM "person_name_tokens" WHERE (("person_name_tokens"."token" >= :token_lo) AND ("person_name_tokens"."token" < :token_hi)))) AND
-- @end tokens
("persons"."annulled_at" IS NULL)) ORDER BY "persons"."sort_key" ASC, "persons"."id" ASC LIMIT 21;
-- The access facts of the persons shown (none when the page is empty).
-- @repeat any_shown
SELECT "case_files"."id", "case_files"."person_id", "case_files"."area" FROM "case_files" WHERE ("case_files"."person_id" = ANY(:shown)) ORDER BY "case_files"."id" ASC;
-- @repeat any_files
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id", "case_file_team"."role", "case_file_team"."sensitive_access" FROM "case_file_team" WHERE ((("case_file_team"."case_file_id" = ANY(:shown_files)) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
SELECT "break_glass_grants"."case_file_id", "break_glass_grants"."reason" FROM "break_glass_grants" WHERE (((("break_glass_grants"."staff_id" = :user_id) AND ("break_glass_grants"."case_file_id" = ANY(:shown_files))) AND ("break_glass_grants"."expires_at" > :now)) AND ("break_glass_grants"."granted_at" <= :now)) ORDER BY "break_glass_grants"."expires_at" ASC;
-- @end any_files
-- @end any_shown
-- directory_entry (api/src/routes/persons.rs) for each person the caller may not read: their
-- files (with target groups), the files' current case managers, and each manager's account.
-- @repeat directory
SELECT "case_files"."id", "case_files"."reference", "case_files"."person_id", "case_files"."area", "case_files"."status", "case_files"."opened_on", "case_files"."closed_on", "case_files"."closing_reason", "case_files"."version", "case_files"."created_at", "case_files"."created_by", "case_files"."updated_at", "case_files"."updated_by" FROM "case_files" WHERE ("case_files"."person_id" = :dir_person_id) ORDER BY "case_files"."id" ASC LIMIT 100;
-- @repeat dir_any_files
SELECT "case_file_target_groups"."case_file_id", "case_file_target_groups"."target_group" FROM "case_file_target_groups" WHERE ("case_file_target_groups"."case_file_id" = ANY(:dir_files));
-- @end dir_any_files
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id" FROM "case_file_team" WHERE (((("case_file_team"."case_file_id" = ANY(:dir_files)) AND ("case_file_team"."role" = 'case_manager')) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
-- @repeat managers
SELECT "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."password_hash", "users"."active", "users"."created_at", "users"."updated_at", "users"."disabled_at" FROM "users" WHERE ("users"."id" = :manager_id) LIMIT 1;
SELECT "user_roles"."user_id", "user_roles"."role" FROM "user_roles" WHERE ("user_roles"."user_id" = ANY(:manager_ids));
SELECT "user_areas"."user_id", "user_areas"."area" FROM "user_areas" WHERE ("user_areas"."user_id" = ANY(:manager_ids));
-- @end managers
-- @end directory
-- @include audit-append.sql person.search person NULL :audit_details
COMMIT;
