-- Governance outputs, part 2: exports as jobs and on schedules, notification
-- channels. export_jobs, export_schedules and notification_preferences are
-- read models (written by their projections); notification_deliveries is the
-- delivery side effect's own checkpoint (never touched by a rebuild).

ALTER TABLE export_jobs ADD COLUMN job_id TEXT;
ALTER TABLE export_jobs ADD COLUMN schedule_id TEXT;

CREATE TABLE export_schedules (
    id             TEXT   PRIMARY KEY,
    name           TEXT   NOT NULL,
    cron           TEXT   NOT NULL,
    format         TEXT   NOT NULL,
    content        TEXT   NOT NULL,
    subject_id     TEXT,
    owner          TEXT   NOT NULL,
    starts_after   BIGINT NOT NULL,
    last_due_at    BIGINT,
    last_export_id TEXT,
    runs           BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX export_schedules_owner ON export_schedules (owner, created_at);

CREATE TABLE notification_preferences (
    user_id        TEXT   PRIMARY KEY,
    in_app         TEXT   NOT NULL,
    email          TEXT   NOT NULL,
    webhook        TEXT   NOT NULL,
    webhook_url    TEXT,
    webhook_format TEXT,
    webhook_secret TEXT,
    updated_at     BIGINT NOT NULL
);

-- One row per (notification, channel): its attempts, its outcome, and when
-- it is next tried. 'delivered' and 'dead' rows are never sent again.
CREATE TABLE notification_deliveries (
    id                TEXT   PRIMARY KEY,
    notification_id   TEXT   NOT NULL,
    channel           TEXT   NOT NULL,
    recipient_user_id TEXT   NOT NULL,
    kind              TEXT   NOT NULL,
    title             TEXT   NOT NULL,
    body              TEXT   NOT NULL,
    link              TEXT   NOT NULL,
    status            TEXT   NOT NULL,
    attempts          BIGINT NOT NULL,
    next_attempt_at   BIGINT NOT NULL,
    last_error        TEXT,
    http_status       BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
