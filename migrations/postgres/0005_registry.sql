-- Model registry: card, versions, aliases, prediction log and evaluations.
-- Read models only, written by the models, predictions and evaluations projections.
ALTER TABLE models ADD COLUMN card TEXT NOT NULL DEFAULT '{}';
ALTER TABLE models ADD COLUMN risk_tier TEXT;
CREATE INDEX models_risk_tier ON models (risk_tier);

CREATE TABLE model_tags (
    model_id TEXT NOT NULL,
    tag      TEXT NOT NULL,
    PRIMARY KEY (model_id, tag)
);
CREATE INDEX model_tags_tag ON model_tags (tag);

CREATE TABLE model_owners (
    model_id TEXT NOT NULL,
    owner    TEXT NOT NULL,
    PRIMARY KEY (model_id, owner)
);
CREATE INDEX model_owners_owner ON model_owners (owner);

CREATE TABLE model_versions (
    model_id       TEXT   NOT NULL,
    version        BIGINT NOT NULL,
    status         TEXT   NOT NULL,
    format         TEXT   NOT NULL,
    sha256         TEXT   NOT NULL,
    size           BIGINT NOT NULL,
    filename       TEXT,
    signature      TEXT   NOT NULL,
    description    TEXT,
    metadata       TEXT   NOT NULL,
    created_by     TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    submitted_by   TEXT,
    reviewed_by    TEXT,
    last_comment   TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (model_id, version)
);

CREATE TABLE model_aliases (
    model_id   TEXT   NOT NULL,
    alias      TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (model_id, alias)
);

CREATE TABLE model_predictions (
    id         TEXT   PRIMARY KEY,
    model_id   TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    input      TEXT   NOT NULL,
    output     TEXT   NOT NULL,
    confidence DOUBLE PRECISION,
    caller     TEXT,
    request_id TEXT,
    created_at BIGINT NOT NULL,
    position   BIGINT NOT NULL
);
CREATE INDEX model_predictions_model ON model_predictions (model_id, created_at, id);

CREATE TABLE model_evaluations (
    id          TEXT   PRIMARY KEY,
    model_id    TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    dataset     TEXT,
    task        TEXT   NOT NULL,
    n_rows      BIGINT NOT NULL,
    metrics     TEXT   NOT NULL,
    created_by  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX model_evaluations_model ON model_evaluations (model_id, created_at, id);
