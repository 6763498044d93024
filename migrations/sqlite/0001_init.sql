-- The event log: append-only, hash-chained. Times are microseconds since the epoch (UTC).
CREATE TABLE events (
    position       INTEGER PRIMARY KEY, -- the rowid: the table is stored in position order
    event_id       TEXT   NOT NULL UNIQUE,
    stream_type    TEXT   NOT NULL,
    stream_id      TEXT   NOT NULL,
    stream_version BIGINT NOT NULL,
    event_type     TEXT   NOT NULL,
    schema_version BIGINT NOT NULL,
    payload        TEXT   NOT NULL,
    metadata       TEXT   NOT NULL,
    recorded_at    BIGINT NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL,
    UNIQUE (stream_type, stream_id, stream_version)
);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE INDEX events_event_type ON events (event_type);

-- The log is append-only: the database itself refuses edits made through RAIA's
-- connection. (An administrator can drop the trigger; the chain and signed
-- checkpoints catch that.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Per-projection checkpoint, advanced in the same transaction as its tables.
CREATE TABLE projection_checkpoints (
    name       TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Side effects (outbox relays, mail, webhooks) keep their own cursor.
CREATE TABLE relay_cursors (
    name       TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Per-subject keys for crypto-shredding, wrapped by the data directory's master key.
-- Deliberately outside the log: erasing a key must be possible.
CREATE TABLE subject_keys (
    subject_id  TEXT PRIMARY KEY,
    wrapped_key TEXT,
    created_at  BIGINT NOT NULL,
    erased_at   BIGINT
);

-- Responses to writes sent with an Idempotency-Key (a response cache, not a fact).
CREATE TABLE idempotency_keys (
    scope        TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    fingerprint  TEXT   NOT NULL,
    status       BIGINT NOT NULL,
    content_type TEXT,
    body         TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Read model: users (written only by the users projection).
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email_lookup   TEXT NOT NULL UNIQUE,
    email_sealed   TEXT NOT NULL,
    password_sealed TEXT NOT NULL,
    display_name_sealed TEXT,
    role           TEXT NOT NULL,
    is_active      BIGINT NOT NULL,
    last_login     BIGINT,
    login_count    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    stream_version BIGINT NOT NULL
);

-- Read model: models (written only by the models projection).
CREATE TABLE models (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    model_type     TEXT NOT NULL,
    algorithm      TEXT,
    framework      TEXT,
    version        TEXT,
    status         TEXT NOT NULL,
    accuracy       DOUBLE PRECISION,
    feature_names  TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    stream_version BIGINT NOT NULL
);
CREATE INDEX models_created ON models (created_at, id);
