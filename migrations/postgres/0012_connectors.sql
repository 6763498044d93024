-- How RAIA produced a dataset version (a transformation's pipeline and fitted
-- parameters, or a connector import), as JSON; NULL for a file uploaded by hand.
ALTER TABLE datasets ADD COLUMN origin TEXT;

-- Read model: dataset connectors (written only by the connectors projection).
-- Credentials are not here: they stay sealed in the log and are opened only to import.
CREATE TABLE connectors (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    description     TEXT,
    kind            TEXT NOT NULL,
    source          TEXT NOT NULL,
    max_rows        BIGINT NOT NULL,
    max_bytes       BIGINT NOT NULL,
    timeout_ms      BIGINT NOT NULL,
    has_credentials BIGINT NOT NULL,
    imports         BIGINT NOT NULL,
    last_dataset_id TEXT,
    created_by      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX connectors_created ON connectors (created_at, id);
