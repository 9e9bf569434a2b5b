-- The planned ends of the placements not ended yet, in the agenda's order, with what the agenda
-- reads of them: an index-only range scan instead of reading every placement
-- (persistence::agenda::placement_ends; docs/benchmarks.md). Mirror of migrations/postgres.
CREATE INDEX placements_open_until_idx ON placements (until_on, id, case_file_id, person_id)
    WHERE status IN ('planned', 'active');
