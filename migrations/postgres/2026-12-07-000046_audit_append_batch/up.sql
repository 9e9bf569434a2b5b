-- The records of reads are appended in batches: one statement chains and inserts the records of
-- every read that finished meanwhile (persistence/src/audit.rs, `append_batch` and `Appender`).
-- Mirrored in migrations/sqlite as a no-op: there the application chains each batch itself on
-- the single writer connection.
--
-- Before: each read's transaction staged its record and the deferred trigger of migration
-- 2026-12-04-000015 chained it at COMMIT, so every read took the chain head's row lock, inserted
-- and deleted a staged row and moved the head once, and concurrent reads queued at the head one
-- commit at a time. Now a batch takes the lock once, moves the head once, and its records never
-- pass through audit_pending. Writes keep the trigger: their record commits with their change.
--
-- `batch` is a JSON array; each element has the record's columns (`occurred_at` as the
-- canonical text YYYY-MM-DDTHH:MM:SS.ffffffZ, read back to the same microsecond), `persons` (an
-- array of ids, ascending, without duplicates) and, in hexadecimal, `tag` and `body`: items 1 and
-- 3-8 of the canonical encoding, which do not depend on the chain. The hash is computed over the
-- same bytes as the trigger's and as `canonical_bytes`. `asynchronous`: the transaction commits
-- without waiting for the WAL flush (reads only; SOCIALCARE_AUDIT_READ_COMMIT). Returns the seq of
-- the last record. Called as a statement of its own, it is its own transaction. The hashes are
-- chained in a loop (each needs the one before); the records and their person links are then
-- inserted by one statement each, whatever the size of the batch.
CREATE FUNCTION audit_append_batch(batch text, asynchronous boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    records jsonb := batch::jsonb;
    n integer := jsonb_array_length(records);
    first_seq bigint;
    prev text;
    prev_bytes bytea;
    prevs text[] := '{}';
    hashes text[] := '{}';
BEGIN
    IF asynchronous THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    SELECT last_seq + 1, last_hash INTO first_seq, prev
    FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR prev = '' THEN
        RAISE EXCEPTION 'the audit chain head is missing or not initialised; apply the migrations with `socialcare migrate`';
    END IF;
    FOR i IN 1 .. n LOOP
        prevs[i] := prev;
        prev_bytes := convert_to(prev, 'UTF8');
        prev := encode(sha256(decode(records -> (i - 1) ->> 'tag', 'hex') || int8send(first_seq + i - 1)
            || decode(records -> (i - 1) ->> 'body', 'hex') || int4send(octet_length(prev_bytes))
            || prev_bytes), 'hex');
        hashes[i] := prev;
    END LOOP;
    INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles, action,
        resource_type, resource_id, outcome, request_id, client_addr, details, seq, purpose,
        break_glass, prev_hash, hash)
    SELECT (v ->> 'id')::uuid, (v ->> 'occurred_at')::timestamptz, (v ->> 'actor_id')::uuid,
        v ->> 'actor_username', v ->> 'actor_roles', v ->> 'action', v ->> 'resource_type',
        v ->> 'resource_id', v ->> 'outcome', v ->> 'request_id', v ->> 'client_addr',
        v ->> 'details', first_seq + o - 1, v ->> 'purpose', (v ->> 'break_glass')::boolean,
        prevs[o], hashes[o]
    FROM jsonb_array_elements(records) WITH ORDINALITY AS e(v, o);
    INSERT INTO audit_record_persons (audit_record_id, person_id)
    SELECT (v ->> 'id')::uuid, p::uuid
    FROM jsonb_array_elements(records) AS e(v), jsonb_array_elements_text(v -> 'persons') AS p;
    UPDATE audit_chain_head SET last_seq = first_seq + n - 1, last_hash = prev WHERE id = 1;
    RETURN first_seq + n - 1;
END
$$;
