-- Fairness: assessment reports, mitigation runs and the decision policies attached to
-- model versions. Read models only, written by the fairness projection.
CREATE TABLE fairness_reports (
    id                   TEXT PRIMARY KEY,
    model_id             TEXT,
    version              BIGINT,
    dataset_id           TEXT,
    dataset_hash         TEXT,
    kind                 TEXT NOT NULL,
    protected_attributes TEXT NOT NULL,
    fairness_metrics     TEXT NOT NULL,
    bias_detected        BIGINT NOT NULL,
    findings             TEXT NOT NULL,
    recommendations      TEXT NOT NULL,
    seed                 TEXT,
    created_by           TEXT,
    created_at           BIGINT NOT NULL
);
CREATE INDEX fairness_reports_model ON fairness_reports (model_id, version, created_at);

CREATE TABLE fairness_mitigations (
    id                TEXT PRIMARY KEY,
    model_id          TEXT NOT NULL,
    version           BIGINT,
    dataset_id        TEXT,
    method            TEXT NOT NULL,
    parameters        TEXT NOT NULL,
    before_metrics    TEXT NOT NULL,
    after_metrics     TEXT NOT NULL,
    accuracy_cost     DOUBLE PRECISION,
    output_dataset_id TEXT,
    created_by        TEXT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX fairness_mitigations_model ON fairness_mitigations (model_id, created_at);

CREATE TABLE decision_policies (
    model_id       TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    policy_version BIGINT NOT NULL,
    mitigation_id  TEXT   NOT NULL,
    method         TEXT   NOT NULL,
    policy         TEXT   NOT NULL,
    attached_by    TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (model_id, version, policy_version)
);
