-- audit::append (persistence/src/audit.rs) on PostgreSQL, included by the scenario scripts with
-- `-- @include audit-append.sql ACTION RESOURCE_TYPE RESOURCE_ID DETAILS` (the last two are SQL
-- expressions: a variable or NULL). Variables: :user_id :username :actor_roles :audit_async
-- (true for reads with SOCIALCARE_AUDIT_READ_COMMIT=asynchronous) :audit_persons ('{id,…}').
--
-- As the server: ONE statement that sets the commit mode and stages the record in audit_staged
-- (migration 2026-12-07-000048_audit_staged); the sequencer chains it later, in a batch. What the
-- server computes in Rust (a UUID v7, the request id, the persons' bytes) is computed here in
-- SQL. The casts give pgbench's untyped parameters the types diesel binds them with.
WITH new AS (
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
               substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
               FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS id,
           gen_random_uuid()::text AS request_id,
           clock_timestamp() AS occurred_at)
INSERT INTO audit_staged (id, occurred_at, actor_id, actor_username, actor_roles, action,
    resource_type, resource_id, outcome, request_id, client_addr, details, purpose, break_glass,
    persons)
SELECT new.id, new.occurred_at, (:user_id)::uuid, (:username)::text, (:actor_roles)::text,
    @ACTION@, @RESOURCE_TYPE@, (@RESOURCE_ID@)::text, 'success', new.request_id, '127.0.0.1',
    (@DETAILS@)::text, NULL, false,
    COALESCE((SELECT string_agg(uuid_send(p), ''::bytea ORDER BY p)
              FROM (SELECT DISTINCT p FROM unnest((:audit_persons)::uuid[]) AS p) AS d), ''::bytea)
FROM new, (SELECT set_config('synchronous_commit',
    CASE WHEN :audit_async THEN 'off' ELSE current_setting('synchronous_commit') END, true)) AS commit_mode;
