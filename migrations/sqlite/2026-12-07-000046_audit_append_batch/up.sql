-- Mirrors migrations/postgres, where this migration adds the function that chains a batch of
-- read records in one statement. SQLite has no stored functions and needs none: the application
-- chains each batch itself on the single writer connection (persistence/src/audit.rs,
-- `append_batch`). Nothing to change in the schema.
SELECT 1;
