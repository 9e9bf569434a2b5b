-- The same record and person link with no chain at all (seq from a sequence, a constant hash):
-- what the inserts cost when nothing serialises them. Not a design: the upper bound.
BEGIN;
WITH commit_mode AS (SELECT set_config('synchronous_commit', 'off', true) AS mode),
  rec AS (
    INSERT INTO audit_records (id, occurred_at, actor_id, actor_username, actor_roles, action,
        resource_type, resource_id, outcome, request_id, client_addr, details, seq, purpose,
        break_glass, prev_hash, hash)
    SELECT gen_random_uuid(), now(), NULL, 'bench', 'office_manager', 'case_file.read',
        'case_file', 'x', 'success', 'req', '127.0.0.1', NULL, nextval('bench_unchained_seq'),
        NULL, false, 'unchained', encode(sha256('\x00'::bytea), 'hex')
    FROM commit_mode RETURNING id)
INSERT INTO audit_record_persons (audit_record_id, person_id)
SELECT rec.id, gen_random_uuid() FROM rec;
COMMIT;
