-- Explanations (issue 6): one row per ExplanationGenerated, written only by the
-- `explanations` projection.
CREATE TABLE explanations (
    id                TEXT PRIMARY KEY,
    model_id          TEXT NOT NULL,
    version           BIGINT NOT NULL,
    artifact_sha256   TEXT NOT NULL,
    kind              TEXT NOT NULL,
    method            TEXT NOT NULL,
    seed              TEXT NOT NULL,
    rows_sha256       TEXT NOT NULL,
    background_sha256 TEXT,
    parameters        TEXT NOT NULL,
    results           TEXT NOT NULL,
    created_by        TEXT,
    created_at        BIGINT NOT NULL,
    position          BIGINT NOT NULL
);
CREATE INDEX explanations_model ON explanations (model_id, created_at, id);
