-- The append of be87f33 (before the chaining at commit): one statement locks the chain head,
-- numbers and hashes the record and inserts it with its person link and moves the head; the head
-- stays locked until the COMMIT that follows, one round trip later. Fixed body bytes.
BEGIN;
WITH head AS (
    SELECT last_seq + 1 AS seq, last_hash AS prev_hash, convert_to(last_hash, 'UTF8') AS prev_bytes
    FROM audit_chain_head WHERE id = 1 AND last_hash <> '' FOR UPDATE),
  chained AS (
    SELECT seq, prev_hash, encode(sha256('\x00000013'::bytea || convert_to('socialcare-audit-v1', 'UTF8')
        || int8send(seq) || '\x0102030405060708090a'::bytea
        || int4send(octet_length(prev_bytes)) || prev_bytes), 'hex') AS hash
    FROM head),
  commit_mode AS (SELECT set_config('synchronous_commit', 'off', true) AS mode),
  rec AS (
    INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles, action,
        resource_type, resource_id, outcome, request_id, client_addr, details, seq, purpose,
        break_glass, prev_hash, hash)
    SELECT gen_random_uuid(), now(), NULL, 'bench', 'office_manager', 'case_file.read',
        'case_file', 'x', 'success', 'req', '127.0.0.1', NULL, chained.seq, NULL, false,
        chained.prev_hash, chained.hash
    FROM chained RETURNING id, seq, hash),
  links AS (
    INSERT INTO audit_record_persons (audit_record_id, person_id)
    SELECT rec.id, gen_random_uuid() FROM rec)
UPDATE audit_chain_head SET last_seq = rec.seq, last_hash = rec.hash FROM rec
WHERE audit_chain_head.id = 1 AND EXISTS (SELECT 1 FROM commit_mode);
COMMIT;
