DROP TABLE allocation_decisions;
DROP TRIGGER place_allocations_kept;
DROP TRIGGER place_allocations_fixed;
DROP TRIGGER place_allocations_free;
DROP TRIGGER place_allocations_retake;
DROP TRIGGER place_allocations_take;
DROP TABLE place_allocations;
DROP TABLE resource_occupancy;
