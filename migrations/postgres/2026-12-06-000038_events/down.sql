DROP TRIGGER event_pending_sequence ON event_pending;
DROP FUNCTION event_sequence_pending();
DROP TABLE event_pending;
DROP TABLE event_head;
DROP TABLE events;
