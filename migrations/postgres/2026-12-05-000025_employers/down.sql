DROP TABLE employers;
