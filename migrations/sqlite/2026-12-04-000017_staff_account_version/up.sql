-- Staff accounts get a version for optimistic concurrency (ETag / If-Match on PATCH /users/{id},
-- like every other resource that changes): two administrators changing one account at once
-- must not overwrite each other's roles silently. Existing accounts start at version 1.
-- Mirrored in migrations/postgres.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
