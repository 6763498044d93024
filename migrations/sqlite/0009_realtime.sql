-- Read model: data streams (written only by the data_streams projection).
CREATE TABLE data_streams (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    spec           TEXT NOT NULL,
    status         TEXT NOT NULL,
    drift_alerts   BIGINT NOT NULL,
    degraded       BIGINT NOT NULL,
    created_by     TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    stream_version BIGINT NOT NULL
);
CREATE INDEX data_streams_created ON data_streams (created_at, id);

-- Stream processing state, written by the stream processor (not a projection:
-- records are not events). Ingested batches wait here until their windows
-- closed; each stream's offsets and closed windows are committed in one
-- transaction, so a restart or fail-over resumes without double counting.
CREATE TABLE stream_batches (
    stream_id    TEXT   NOT NULL,
    first_record BIGINT NOT NULL,
    n_records    BIGINT NOT NULL,
    records      TEXT   NOT NULL,
    source_id    TEXT   NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (stream_id, first_record)
);
CREATE UNIQUE INDEX stream_batches_source ON stream_batches (stream_id, source_id);

CREATE TABLE stream_offsets (
    stream_id    TEXT PRIMARY KEY,
    next_record  BIGINT NOT NULL,
    next_window  BIGINT NOT NULL,
    good_records BIGINT NOT NULL,
    bad_records  BIGINT NOT NULL,
    rejected_batches BIGINT NOT NULL,
    -- Last JetStream sequence ingested (NATS sources), committed with the batch.
    source_seq   BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

-- Time series of window results; rows older than the retention are deleted.
CREATE TABLE stream_windows (
    stream_id    TEXT   NOT NULL,
    window_no    BIGINT NOT NULL,
    first_record BIGINT NOT NULL,
    n_records    BIGINT NOT NULL,
    bad_records  BIGINT NOT NULL,
    drift        BIGINT NOT NULL,
    metrics      TEXT   NOT NULL,
    closed_at    BIGINT NOT NULL,
    PRIMARY KEY (stream_id, window_no)
);
CREATE INDEX stream_windows_closed ON stream_windows (closed_at);

-- A sample of bad records per stream (the first ones of each window, capped).
CREATE TABLE stream_bad_samples (
    stream_id TEXT   NOT NULL,
    record_no BIGINT NOT NULL,
    reason    TEXT   NOT NULL,
    record    TEXT   NOT NULL,
    PRIMARY KEY (stream_id, record_no)
);

-- Which node consumes which stream: a lease renewed while alive.
CREATE TABLE stream_leases (
    stream_id  TEXT PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Read model: webhook subscriptions (written only by the subscriptions projection).
CREATE TABLE webhook_subscriptions (
    id         TEXT PRIMARY KEY,
    topic      TEXT   NOT NULL,
    url        TEXT   NOT NULL,
    secret     TEXT   NOT NULL,
    after      BIGINT NOT NULL,
    active     BIGINT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);

-- Webhook delivery (a side effect, not a projection): each subscription's own
-- cursor, advanced only after an event was delivered or dead-lettered, so a
-- restart or a projection rebuild never re-sends.
CREATE TABLE webhook_cursors (
    subscription_id TEXT PRIMARY KEY,
    position        BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Every attempt; `dead` rows form the dead-letter list.
CREATE TABLE webhook_deliveries (
    subscription_id TEXT   NOT NULL,
    position        BIGINT NOT NULL,
    attempt         BIGINT NOT NULL,
    status          TEXT   NOT NULL,
    http_status     BIGINT,
    error           TEXT,
    at              BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, position, attempt)
);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (subscription_id, status);
