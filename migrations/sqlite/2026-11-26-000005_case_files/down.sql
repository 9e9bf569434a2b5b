DROP TABLE case_file_target_groups;
DROP TABLE case_file_team;
DROP TABLE case_file_transitions;
DROP TABLE case_files;
DROP TABLE case_reference_counters;
