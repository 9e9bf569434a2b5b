-- audit::append (persistence/src/audit.rs) on PostgreSQL, included by the scenario scripts with
-- `-- @include audit-append.sql ACTION RESOURCE_TYPE RESOURCE_ID DETAILS` (the last two are SQL
-- expressions: a variable or NULL). Variables: :user_id :username :actor_roles :audit_async
-- (true for reads with SOCIALCARE_AUDIT_READ_COMMIT=asynchronous) :audit_persons ('{id,…}').
--
-- As the server: ONE statement that sets the commit mode and stages the record in audit_pending;
-- the deferred trigger of migration 2026-12-04-000015_audit_chained_at_commit chains it at
-- COMMIT (locks the chain head, numbers and hashes the record, inserts it and its person links,
-- moves the head, deletes the staged row). What the server computes in Rust (a UUID v7, the
-- request id, the persons' bytes and the canonical body) is computed here in SQL, byte for byte
-- (items 3 to 8 of `canonical_bytes`: a string is its UTF-8 length as 4 bytes big-endian and its
-- bytes, an optional string 0x00 or 0x01 and the string), so that the records pgbench writes
-- chain and enter the audit log's tree like the server's: a record with another encoding would
-- break the chain there, and the sequencer would (rightly) stop the tree before it. (The time's
-- colons are put in with chr(58): pgbench would take `:MI` in a literal for a variable.)
-- The casts give pgbench's untyped parameters the types diesel binds them with.
WITH new AS (
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
               substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
               FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS id,
           gen_random_uuid()::text AS request_id,
           clock_timestamp() AS occurred_at)
INSERT INTO audit_pending (id, occurred_at, actor_id, actor_username, actor_roles, action,
    resource_type, resource_id, outcome, request_id, client_addr, details, purpose, break_glass,
    persons, encoding_tag, encoding_body)
SELECT new.id, new.occurred_at, (:user_id)::uuid, (:username)::text, (:actor_roles)::text,
    @ACTION@, @RESOURCE_TYPE@, (@RESOURCE_ID@)::text, 'success', new.request_id, '127.0.0.1',
    (@DETAILS@)::text, NULL, false,
    COALESCE((SELECT string_agg(uuid_send(p), ''::bytea ORDER BY p)
              FROM (SELECT DISTINCT p FROM unnest((:audit_persons)::uuid[]) AS p) AS d), ''::bytea),
    '\x00000013'::bytea || convert_to('socialcare-audit-v1', 'UTF8'),
    uuid_send(new.id)
    || int4send(27) || convert_to(translate(to_char(new.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24"|"MI"|"SS.US"Z"'), '|', chr(58)), 'UTF8')
    || '\x01'::bytea || uuid_send((:user_id)::uuid)
    || COALESCE('\x01'::bytea || int4send(octet_length(convert_to((:username)::text, 'UTF8'))) || convert_to((:username)::text, 'UTF8'), '\x00'::bytea)
    || int4send(octet_length(convert_to((:actor_roles)::text, 'UTF8'))) || convert_to((:actor_roles)::text, 'UTF8')
    || int4send(octet_length(convert_to(@ACTION@, 'UTF8'))) || convert_to(@ACTION@, 'UTF8')
    || int4send(octet_length(convert_to(@RESOURCE_TYPE@, 'UTF8'))) || convert_to(@RESOURCE_TYPE@, 'UTF8')
    || COALESCE('\x01'::bytea || int4send(octet_length(convert_to((@RESOURCE_ID@)::text, 'UTF8'))) || convert_to((@RESOURCE_ID@)::text, 'UTF8'), '\x00'::bytea)
    || int4send(7) || convert_to('success', 'UTF8')
    || '\x01'::bytea || int4send(octet_length(convert_to(new.request_id, 'UTF8'))) || convert_to(new.request_id, 'UTF8')
    || '\x01'::bytea || int4send(9) || convert_to('127.0.0.1', 'UTF8')
    || COALESCE('\x01'::bytea || int4send(octet_length(convert_to((@DETAILS@)::text, 'UTF8'))) || convert_to((@DETAILS@)::text, 'UTF8'), '\x00'::bytea)
    || '\x00'::bytea
    || '\x00'::bytea
    || int4send((SELECT count(DISTINCT p)::int FROM unnest((:audit_persons)::uuid[]) AS p))
    || COALESCE((SELECT string_agg(uuid_send(p), ''::bytea ORDER BY p)
                 FROM (SELECT DISTINCT p FROM unnest((:audit_persons)::uuid[]) AS p) AS d), ''::bytea)
FROM new, (SELECT set_config('synchronous_commit',
    CASE WHEN :audit_async THEN 'off' ELSE current_setting('synchronous_commit') END, true)) AS commit_mode;
