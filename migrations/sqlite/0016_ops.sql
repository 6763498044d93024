-- The read cache labels each entry with the last position of the streams it
-- depends on: MAX(position) per stream type must be an index probe.
CREATE INDEX events_type_position ON events (stream_type, position);
