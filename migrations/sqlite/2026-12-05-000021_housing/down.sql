DROP TABLE bed_nights;
DROP TABLE placement_transitions;
DROP TABLE placements;
DROP TABLE bed_out_of_service;
DROP TABLE bed_places;
DROP TABLE beds;
DROP TABLE facility_target_groups;
DROP TABLE facilities;
