-- Read model: background jobs (written only by the jobs projection).
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    params       TEXT NOT NULL,
    done         BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    cancel_requested BIGINT NOT NULL,
    result       TEXT,
    error        TEXT,
    submitted_by TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_submitter ON jobs (submitted_by, created_at);
CREATE INDEX jobs_status ON jobs (status);
