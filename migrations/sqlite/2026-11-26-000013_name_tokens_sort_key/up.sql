-- Person search by name fragment answers in alphabetical order (persons.sort_key). Walking
-- persons in that order and probing each for the fragment read tens of thousands of rows when
-- the matches sit late in the alphabet (docs/benchmarks.md). Each token row now carries its
-- person's sort key, so that the persons under one token come out of the index already in
-- alphabetical order (persistence/src/persons.rs, `search`). Mirrored in migrations/postgres.
-- SQLite cannot drop a column default: the application always writes the sort key.
ALTER TABLE person_name_tokens ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE person_name_tokens
SET sort_key = (SELECT p.sort_key FROM persons AS p WHERE p.id = person_name_tokens.person_id);
CREATE INDEX person_name_tokens_sort_idx ON person_name_tokens (token, sort_key, person_id);
