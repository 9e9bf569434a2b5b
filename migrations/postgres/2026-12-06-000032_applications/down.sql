DROP TABLE application_transitions;
DROP TABLE application_inputs;
DROP TABLE applications;
DROP TABLE application_protocol_counters;
