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
-- the last record. Called as a statement of its own, it is its own transaction.
CREATE FUNCTION audit_append_batch(batch text, asynchronous boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    records jsonb := batch::jsonb;
    r jsonb;
    next_seq bigint;
    prev text;
    prev_bytes bytea;
    new_hash text;
BEGIN
    IF asynchronous THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    SELECT last_seq, last_hash INTO next_seq, prev
    FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR prev = '' THEN
        RAISE EXCEPTION 'the audit chain head is missing or not initialised; apply the migrations with `socialcare migrate`';
    END IF;
    FOR i IN 0 .. jsonb_array_length(records) - 1 LOOP
        r := records -> i;
        next_seq := next_seq + 1;
        prev_bytes := convert_to(prev, 'UTF8');
        new_hash := encode(sha256(decode(r ->> 'tag', 'hex') || int8send(next_seq)
            || decode(r ->> 'body', 'hex') || int4send(octet_length(prev_bytes)) || prev_bytes),
            'hex');
        INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles, action,
            resource_type, resource_id, outcome, request_id, client_addr, details, seq, purpose,
            break_glass, prev_hash, hash)
        VALUES ((r ->> 'id')::uuid, (r ->> 'occurred_at')::timestamptz, (r ->> 'actor_id')::uuid,
            r ->> 'actor_username', r ->> 'actor_roles', r ->> 'action', r ->> 'resource_type',
            r ->> 'resource_id', r ->> 'outcome', r ->> 'request_id', r ->> 'client_addr',
            r ->> 'details', next_seq, r ->> 'purpose', (r ->> 'break_glass')::boolean, prev,
            new_hash);
        INSERT INTO audit_record_persons (audit_record_id, person_id)
        SELECT (r ->> 'id')::uuid, p::uuid FROM jsonb_array_elements_text(r -> 'persons') AS p;
        prev := new_hash;
    END LOOP;
    UPDATE audit_chain_head SET last_seq = next_seq, last_hash = prev WHERE id = 1;
    RETURN next_seq;
END
$$;
