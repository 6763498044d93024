-- LLM/RAG evaluations and their per-item results. Read models only, written by
-- the evaluations projection.
CREATE TABLE evaluations (
    id                     TEXT   PRIMARY KEY,
    name                   TEXT   NOT NULL,
    mode                   TEXT   NOT NULL,
    dataset_id             TEXT   NOT NULL,
    configuration_id       TEXT,
    judge_configuration_id TEXT,
    suite                  TEXT,
    status                 TEXT   NOT NULL,
    job_id                 TEXT,
    items_total            BIGINT NOT NULL,
    items_done             BIGINT NOT NULL,
    spec                   TEXT   NOT NULL,
    summary                TEXT,
    error                  TEXT,
    created_by             TEXT,
    created_at             BIGINT NOT NULL,
    started_at             BIGINT,
    completed_at           BIGINT
);
CREATE INDEX evaluations_created ON evaluations (created_at);
CREATE INDEX evaluations_suite ON evaluations (suite, created_at);

CREATE TABLE evaluation_results (
    evaluation_id TEXT   NOT NULL,
    idx           BIGINT NOT NULL,
    item_id       TEXT   NOT NULL,
    result        TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, idx)
);
