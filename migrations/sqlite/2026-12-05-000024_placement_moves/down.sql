DROP TABLE placement_moves;
