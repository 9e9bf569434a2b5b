-- Refused while records are staged: they would be lost. Chain them first with
-- `socialcare audit checkpoint` (with the servers stopped).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_staged) THEN
        RAISE EXCEPTION 'audit records are staged: run `socialcare audit checkpoint` before migrating down';
    END IF;
END
$$;
DROP TABLE audit_staged;

-- As migration 2026-12-04-000015_audit_chained_at_commit left it.
CREATE UNLOGGED TABLE audit_pending (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_id uuid,
    actor_username text,
    actor_roles text NOT NULL,
    action text NOT NULL,
    resource_type text NOT NULL,
    resource_id text,
    outcome text NOT NULL,
    request_id text,
    client_addr text,
    details text,
    purpose text,
    break_glass boolean NOT NULL,
    -- The persons concerned: their 16-byte ids concatenated, ascending, without duplicates.
    persons bytea NOT NULL CHECK (octet_length(persons) % 16 = 0),
    -- Item 1 of the canonical encoding (the tag as a length-prefixed string).
    encoding_tag bytea NOT NULL,
    -- Items 3 to 8 of the canonical encoding (everything but the tag, seq and prev_hash).
    encoding_body bytea NOT NULL
);

CREATE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq bigint;
    prev text;
    prev_bytes bytea;
    new_hash text;
BEGIN
    SELECT last_seq + 1, last_hash INTO next_seq, prev
    FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR prev = '' THEN
        RAISE EXCEPTION 'the audit chain head is missing or not initialised; apply the migrations with `socialcare migrate`';
    END IF;
    prev_bytes := convert_to(prev, 'UTF8');
    new_hash := encode(sha256(NEW.encoding_tag || int8send(next_seq) || NEW.encoding_body
        || int4send(octet_length(prev_bytes)) || prev_bytes), 'hex');
    INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles, action,
        resource_type, resource_id, outcome, request_id, client_addr, details, seq, purpose,
        break_glass, prev_hash, hash)
    VALUES (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor_username, NEW.actor_roles,
        NEW.action, NEW.resource_type, NEW.resource_id, NEW.outcome, NEW.request_id,
        NEW.client_addr, NEW.details, next_seq, NEW.purpose, NEW.break_glass, prev, new_hash);
    INSERT INTO audit_record_persons (audit_record_id, person_id)
    SELECT NEW.id, encode(substring(NEW.persons FROM i * 16 + 1 FOR 16), 'hex')::uuid
    FROM generate_series(0, octet_length(NEW.persons) / 16 - 1) AS i;
    UPDATE audit_chain_head SET last_seq = next_seq, last_hash = new_hash WHERE id = 1;
    DELETE FROM audit_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_pending();

-- As migration 2026-12-07-000046_audit_append_batch left it.
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
