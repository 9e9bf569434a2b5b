DROP TABLE application_inputs;
DROP TABLE applications;
DROP TABLE application_protocol_counters;
