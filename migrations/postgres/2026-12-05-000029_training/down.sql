DROP TABLE training_attendance;
DROP TABLE training_events;
