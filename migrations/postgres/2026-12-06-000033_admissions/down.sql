DROP TABLE allocation_decisions;
DROP TRIGGER place_allocations_kept ON place_allocations;
DROP TRIGGER place_allocations_count ON place_allocations;
DROP FUNCTION place_allocations_kept();
DROP FUNCTION place_allocations_count();
DROP TABLE place_allocations;
DROP TABLE resource_occupancy;
