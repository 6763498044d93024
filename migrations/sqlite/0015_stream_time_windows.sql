-- Time-based windows, MQTT sources and record-id deduplication (issue 9).

-- A time-windowed stream's progress besides `next_window` (JSON: first record
-- still needed, records already judged, watermark inputs, late records),
-- committed with each window.
ALTER TABLE stream_offsets ADD COLUMN time_state TEXT;
-- Windows a time-windowed stream has closed (its `next_window` is a window
-- number in time, not a count).
ALTER TABLE stream_offsets ADD COLUMN windows_closed BIGINT NOT NULL DEFAULT 0;
-- When the stream's source (MQTT) last subscribed, for operators and tests.
ALTER TABLE stream_offsets ADD COLUMN source_subscribed_at BIGINT;
-- Records dropped because their id was ingested before.
ALTER TABLE stream_offsets ADD COLUMN duplicate_records BIGINT NOT NULL DEFAULT 0;
-- Bounds of a time window (epoch milliseconds; NULL for count windows).
ALTER TABLE stream_windows ADD COLUMN window_start BIGINT;
ALTER TABLE stream_windows ADD COLUMN window_end BIGINT;

-- Record ids already ingested (streams with `record_id_field`): a redelivered
-- record (MQTT at least once, a producer's retry) counts once. Kept as long as
-- the windows.
CREATE TABLE stream_record_ids (
    stream_id   TEXT   NOT NULL,
    record_id   TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (stream_id, record_id)
);
CREATE INDEX stream_record_ids_received ON stream_record_ids (received_at);
