DROP TABLE event_pending;
DROP TABLE event_head;
DROP TABLE events;
