-- LLM calls made by evaluation runs (answers in run mode, every judge call), so
-- usage and cost cover them beside chat. A read model of the evaluations projection.
CREATE TABLE evaluation_llm_calls (
    call_id           TEXT   PRIMARY KEY,
    evaluation_id     TEXT   NOT NULL,
    configuration_id  TEXT,
    user_id           TEXT   NOT NULL,
    day               TEXT   NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    cost_usd          DOUBLE PRECISION NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX evaluation_llm_calls_configuration ON evaluation_llm_calls (configuration_id, day);
