DROP TABLE idempotency_keys;
DROP TABLE person_name_tokens;
DROP TABLE persons;
