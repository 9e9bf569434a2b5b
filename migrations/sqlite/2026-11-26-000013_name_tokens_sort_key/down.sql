DROP INDEX person_name_tokens_sort_idx;
ALTER TABLE person_name_tokens DROP COLUMN sort_key;
