-- Scenario 2, GET /persons?q=FRAGMENT as the case manager (first page of 20): the statements the
-- server executes for one request, in order (see case-file.sql for the conventions).
-- What a search executes depends on what it finds: one script per fragment, expanded from the
-- plan that `socialcare-bench anchor --scenario person-search --plan` computes with the server's
-- own code (which persons are shown, which of them the caller may only see in the directory,
-- their files and case managers). Variables per fragment: :driver_lo :driver_hi (the longest
-- word), :words_array ('{…}' the index words it starts), :token_lo :token_hi (per other word of the fragment),
-- :shown ('{…}' the persons on the page), :shown_files ('{…}' their case files),
-- :dir_persons :dir_files :dir_managers ('{…}' the directory-only persons, their files, the
-- files' case managers), :audit_persons :audit_details.

SELECT "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."password_hash", "users"."active", "users"."created_at", "users"."updated_at", "users"."disabled_at" FROM "users" WHERE ("users"."id" = :user_id) LIMIT 1;
SELECT "user_roles"."user_id", "user_roles"."role" FROM "user_roles" WHERE ("user_roles"."user_id" = ANY(:user_ids));
SELECT "user_areas"."user_id", "user_areas"."area" FROM "user_areas" WHERE ("user_areas"."user_id" = ANY(:user_ids));

BEGIN;
-- persons::search: the index words that start with the fragment's longest word, then (when
-- there are at most 64) one statement reading a page of each word's persons from the index
-- (unnest + LATERAL; the other words of the fragment filter each page); with more than 64, one
-- query walking the persons alphabetically instead.
WITH RECURSIVE words(token) AS (
                 SELECT (SELECT min(token) FROM person_name_tokens WHERE token >= :driver_lo AND token < :driver_hi)
                 UNION ALL
                 SELECT (SELECT min(t.token) FROM person_name_tokens AS t
                         WHERE t.token > words.token AND t.token < :driver_hi)
                 FROM words WHERE words.token IS NOT NULL)
             SELECT token FROM words WHERE token IS NOT NULL LIMIT 65;
-- @repeat streamed
SELECT DISTINCT ON (x.sort_key, x.id) x.* FROM unnest(:words_array::text[]) AS w(token) CROSS JOIN LATERAL (
                 SELECT p.* FROM person_name_tokens AS t JOIN persons AS p ON p.id = t.person_id
                 WHERE t.token = w.token
-- @repeat other_tokens
 AND p.id IN (SELECT o.person_id FROM person_name_tokens AS o WHERE o.token >= :token_lo AND o.token < :token_hi)
-- @end other_tokens
 AND p.annulled_at IS NULL ORDER BY t.sort_key, t.person_id LIMIT 21) AS x ORDER BY x.sort_key, x.id LIMIT 21;
-- @end streamed
-- @repeat fallback
SELECT "persons"."id", "persons"."given_names", "persons"."family_names", "persons"."name_key", "persons"."sort_key", "persons"."birth_date", "persons"."birth_place", "persons"."sex", "persons"."citizenship", "persons"."tax_code", "persons"."residence_kind", "persons"."address_street", "persons"."address_postal_code", "persons"."address_municipality", "persons"."address_province", "persons"."phone", "persons"."email", "persons"."languages", "persons"."version", "persons"."created_at", "persons"."created_by", "persons"."updated_at", "persons"."updated_by", "persons"."annulled_at", "persons"."annulled_by", "persons"."annulment_reason" FROM "persons" WHERE (
-- @repeat tokens
("persons"."id" = ANY(SELECT "other_words"."person_id" FROM "person_name_tokens" AS "other_words" WHERE (("other_words"."token" >= :token_lo) AND ("other_words"."token" < :token_hi)))) AND
-- @end tokens
("persons"."annulled_at" IS NULL)) ORDER BY "persons"."sort_key" ASC, "persons"."id" ASC LIMIT 21;
-- @end fallback
-- The access facts of the persons shown (none when the page is empty).
-- @repeat any_shown
SELECT "case_files"."id", "case_files"."person_id", "case_files"."area" FROM "case_files" WHERE ("case_files"."person_id" = ANY(:shown)) ORDER BY "case_files"."id" ASC;
-- @repeat any_files
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id", "case_file_team"."role", "case_file_team"."sensitive_access" FROM "case_file_team" WHERE ((("case_file_team"."case_file_id" = ANY(:shown_files)) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
SELECT "break_glass_grants"."case_file_id", "break_glass_grants"."reason" FROM "break_glass_grants" WHERE (((("break_glass_grants"."staff_id" = :user_id) AND ("break_glass_grants"."case_file_id" = ANY(:shown_files))) AND ("break_glass_grants"."expires_at" > :now)) AND ("break_glass_grants"."granted_at" <= :now)) ORDER BY "break_glass_grants"."expires_at" ASC;
-- @end any_files
-- @end any_shown
-- directory_entries (api/src/routes/persons.rs), called even when every person can be read:
-- the files of the persons the caller may only see in the directory (none to read when there is
-- no such person), the files' current case managers, and the managers' contacts.
-- @repeat dir_any_persons
SELECT "case_files"."id", "case_files"."person_id", "case_files"."area", "case_files"."status" FROM "case_files" WHERE ("case_files"."person_id" = ANY(:dir_persons)) ORDER BY "case_files"."id" ASC;
-- @end dir_any_persons
SELECT "case_file_team"."case_file_id", "case_file_team"."staff_id" FROM "case_file_team" WHERE (((("case_file_team"."case_file_id" = ANY(:dir_files)) AND ("case_file_team"."role" = 'case_manager')) AND ("case_file_team"."assigned_from" <= :today)) AND (("case_file_team"."assigned_until" IS NULL) OR ("case_file_team"."assigned_until" > :today)));
-- @repeat dir_any_managers
SELECT "users"."id", "users"."display_name", "users"."email" FROM "users" WHERE ("users"."id" = ANY(:dir_managers));
-- @end dir_any_managers
-- @include audit-append.sql person.search person NULL :audit_details
COMMIT;
