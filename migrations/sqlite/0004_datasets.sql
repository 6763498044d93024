-- Read model: datasets, one row per uploaded version (written only by the datasets
-- projection). Deleted datasets keep their row with deleted_at set, so lineage stays whole.
CREATE TABLE datasets (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT,
    filename       TEXT,
    format         TEXT NOT NULL,
    sheet          TEXT,
    sha256         TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    schema_json    TEXT NOT NULL,
    row_count      BIGINT NOT NULL,
    column_count   BIGINT NOT NULL,
    version_of     TEXT,
    family_id      TEXT NOT NULL,
    version        BIGINT NOT NULL,
    derived_from   TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    quality_score  DOUBLE PRECISION,
    rules_json     TEXT NOT NULL,
    rules_version  BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT,
    stream_version BIGINT NOT NULL
);
CREATE INDEX datasets_created ON datasets (created_at, id);
CREATE INDEX datasets_sha256 ON datasets (sha256);
CREATE INDEX datasets_family ON datasets (family_id, version);

-- Read model: the latest quality assessment per dataset.
CREATE TABLE data_quality_reports (
    dataset_id     TEXT PRIMARY KEY,
    score          DOUBLE PRECISION NOT NULL,
    assessment     TEXT NOT NULL,
    assessed_by    TEXT,
    assessed_at    BIGINT NOT NULL
);

-- Read model: drift reports and the alerts they raised.
CREATE TABLE drift_reports (
    id                   TEXT PRIMARY KEY,
    model_id             TEXT,
    reference_dataset_id TEXT NOT NULL,
    current_dataset_id   TEXT NOT NULL,
    dataset_drift        BIGINT NOT NULL,
    drifted_columns      BIGINT NOT NULL,
    share                DOUBLE PRECISION NOT NULL,
    findings             TEXT NOT NULL,
    created_by           TEXT,
    created_at           BIGINT NOT NULL
);
CREATE INDEX drift_reports_model ON drift_reports (model_id, created_at);

CREATE TABLE drift_alerts (
    report_id       TEXT PRIMARY KEY,
    model_id        TEXT,
    drifted_columns TEXT NOT NULL,
    share           DOUBLE PRECISION NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX drift_alerts_created ON drift_alerts (created_at, report_id);
