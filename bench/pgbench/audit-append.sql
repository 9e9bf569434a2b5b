-- audit::append (persistence/src/audit.rs) on PostgreSQL, included by the scenario scripts with
-- `-- @include audit-append.sql ACTION RESOURCE_TYPE RESOURCE_ID DETAILS` (the last two are SQL
-- expressions: a variable or NULL). Variables: :user_id :username :actor_roles :audit_async
-- (true for reads with SOCIALCARE_AUDIT_READ_COMMIT=asynchronous) :audit_persons ('{id,…}').
--
-- As the server: lock the chain head, then ONE statement that sets the commit mode, inserts the
-- record and its person links and moves the head. What the server computes in Rust between the
-- two (a UUID v7, the request id, the SHA-256 of the canonical encoding) is computed here in
-- SQL, over a comparable input: every field of the record, the persons and the previous hash.
-- The casts give pgbench's untyped parameters the types diesel binds them with.
SELECT "audit_chain_head"."last_seq", "audit_chain_head"."last_hash" FROM "audit_chain_head" WHERE ("audit_chain_head"."id" = 1) LIMIT 1 FOR UPDATE \gset head_
\set audit_seq :head_last_seq + 1
WITH commit_mode AS (
    SELECT set_config('synchronous_commit',
        CASE WHEN :audit_async THEN 'off' ELSE current_setting('synchronous_commit') END, true) AS mode),
  new AS (
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
               substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
               FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS id,
           gen_random_uuid()::text AS request_id,
           clock_timestamp() AS occurred_at),
  rec AS (
    INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles,
        action, resource_type, resource_id, outcome, request_id, client_addr, details,
        seq, purpose, break_glass, prev_hash, hash)
    SELECT new.id, new.occurred_at, (:user_id)::uuid, (:username)::text, (:actor_roles)::text,
        @ACTION@, @RESOURCE_TYPE@, (@RESOURCE_ID@)::text, 'success', new.request_id, '127.0.0.1',
        (@DETAILS@)::text, (:audit_seq)::bigint, NULL, false, (:head_last_hash)::text,
        encode(sha256(convert_to(concat_ws(chr(31), 'socialcare-audit-v1', (:audit_seq)::text,
            new.id::text, new.occurred_at::text,
            (:user_id)::text, (:username)::text, (:actor_roles)::text, @ACTION@, @RESOURCE_TYPE@,
            (@RESOURCE_ID@)::text, 'success', new.request_id, '127.0.0.1', (@DETAILS@)::text, NULL,
            'f', (:audit_persons)::text, (:head_last_hash)::text), 'UTF8')), 'hex')
    FROM new
    RETURNING id, hash),
  links AS (
    INSERT INTO audit_record_persons (audit_record_id, person_id)
    SELECT rec.id, person::uuid FROM rec, unnest((:audit_persons)::text[]) AS person)
UPDATE audit_chain_head SET last_seq = (:audit_seq)::bigint, last_hash = rec.hash FROM rec
WHERE audit_chain_head.id = 1 AND EXISTS (SELECT 1 FROM commit_mode);
