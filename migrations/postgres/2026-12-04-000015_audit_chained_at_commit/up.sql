-- Audit records are chained when their transaction commits, not when the request appends them.
-- Mirrored in migrations/sqlite (the table only: SQLite chains at once, see below).
--
-- Before: the append locked the chain head (audit_chain_head, one row) and every other audited
-- request waited for that lock until the appending transaction had committed, across two more
-- round trips between the server and the database (the append statement's answer and COMMIT).
-- That wait, not the work of writing the record, limited audited reads under concurrency.
--
-- Now the request inserts its record into audit_pending, which locks nothing shared. A deferred
-- constraint trigger fires at COMMIT, inside the committing transaction: it locks the head, gives
-- the record the next seq, computes its SHA-256 over the canonical encoding (the application
-- sends the parts that do not depend on the chain: the tag and the body, see
-- persistence/src/audit.rs, `canonical_bytes`), inserts it and its person links into the
-- append-only tables, moves the head and deletes the staged row. The head is therefore held only
-- while the transaction commits. Records appended in one transaction are chained in the order
-- they were appended. If the trigger fails (head missing), the COMMIT fails and nothing of the
-- transaction is kept: the action and its record still commit together or not at all.
--
-- UNLOGGED: a staged row never outlives its transaction (the trigger deletes it before the
-- commit), so writing it to the WAL, to be replayed or replicated, would be waste; after a crash
-- PostgreSQL empties the table, which is what it holds outside transactions anyway. Each append
-- leaves one dead row here until (auto)vacuum removes it, as each leaves a dead version of the
-- chain head.
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
