DROP INDEX placements_open_until_idx;
