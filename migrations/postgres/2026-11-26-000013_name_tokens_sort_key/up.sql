-- Person search by name fragment answers in alphabetical order (persons.sort_key). Walking
-- persons in that order and probing each for the fragment read tens of thousands of rows when
-- the matches sit late in the alphabet (1.7 s for "ross" among 1,000,000 persons, docs/benchmarks.md).
-- Each token row now carries its person's sort key, so that the persons under one token come out
-- of the index already in alphabetical order: a page reads a page of index entries per distinct
-- token in the fragment's range (persistence/src/persons.rs, `search`). Mirrored in migrations/sqlite.
ALTER TABLE person_name_tokens ADD COLUMN sort_key text NOT NULL DEFAULT '';
UPDATE person_name_tokens AS t SET sort_key = p.sort_key FROM persons AS p WHERE p.id = t.person_id;
ALTER TABLE person_name_tokens ALTER COLUMN sort_key DROP DEFAULT;
CREATE INDEX person_name_tokens_sort_idx ON person_name_tokens (token, sort_key, person_id);
