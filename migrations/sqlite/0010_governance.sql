-- Governance outputs: the compliance evidence index and export jobs.
-- Read models only, written by the compliance_evidence and exports projections.

-- The latest event of each kind of evidence per subject (`model:ID`,
-- `model:ID#VERSION`, `dataset:ID`), with its place in the chain.
CREATE TABLE compliance_evidence (
    subject     TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    position    BIGINT NOT NULL,
    hash        TEXT   NOT NULL,
    event_type  TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL,
    detail      TEXT   NOT NULL,
    PRIMARY KEY (subject, kind)
);

CREATE TABLE export_jobs (
    id            TEXT   PRIMARY KEY,
    format        TEXT   NOT NULL,
    content       TEXT   NOT NULL,
    subject_id    TEXT,
    requested_by  TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    error         TEXT,
    sha256        TEXT,
    size          BIGINT,
    filename      TEXT,
    downloads     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX export_jobs_requested_by ON export_jobs (requested_by, created_at);

-- In-app notifications, written by the notifications projection.
CREATE TABLE notifications (
    id                TEXT   PRIMARY KEY,
    recipient_user_id TEXT   NOT NULL,
    kind              TEXT   NOT NULL,
    title             TEXT   NOT NULL,
    body              TEXT   NOT NULL,
    link              TEXT   NOT NULL,
    source_position   BIGINT NOT NULL,
    is_read           BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient_user_id, created_at);
