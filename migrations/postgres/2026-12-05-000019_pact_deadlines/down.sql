DROP TABLE pact_deadlines;
