-- LLM and RAG: configurations, prompt template versions, documents, chat and
-- per-call usage. Read models only, written by the llm, documents and chat projections.
CREATE TABLE llm_configurations (
    id               TEXT   PRIMARY KEY,
    name             TEXT   NOT NULL,
    provider         TEXT   NOT NULL,
    model            TEXT   NOT NULL,
    base_url         TEXT,
    parameters       TEXT   NOT NULL,
    active           BIGINT NOT NULL,
    template         TEXT,
    template_version BIGINT NOT NULL,
    -- Sealed ciphertext (commands::cipher), never the key itself.
    api_key_sealed   TEXT,
    created_by       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE llm_prompt_templates (
    configuration_id TEXT   NOT NULL,
    version          BIGINT NOT NULL,
    template         TEXT   NOT NULL,
    variables        TEXT   NOT NULL,
    created_by       TEXT,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (configuration_id, version)
);

CREATE TABLE rag_documents (
    id            TEXT   PRIMARY KEY,
    filename      TEXT   NOT NULL,
    format        TEXT   NOT NULL,
    sha256        TEXT   NOT NULL,
    size          BIGINT NOT NULL,
    text_sha256   TEXT   NOT NULL,
    chars         BIGINT NOT NULL,
    metadata      TEXT   NOT NULL,
    chunk_size    BIGINT NOT NULL,
    chunk_overlap BIGINT NOT NULL,
    chunks        TEXT   NOT NULL,
    n_chunks      BIGINT NOT NULL,
    embedder      TEXT   NOT NULL,
    position      BIGINT NOT NULL,
    created_by    TEXT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE chat_sessions (
    id         TEXT   PRIMARY KEY,
    user_id    TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    messages   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX chat_sessions_user ON chat_sessions (user_id, updated_at);

CREATE TABLE chat_messages (
    message_id        TEXT   PRIMARY KEY,
    session_id        TEXT   NOT NULL,
    role              TEXT   NOT NULL,
    content           TEXT   NOT NULL,
    citations         TEXT   NOT NULL,
    configuration_id  TEXT,
    model             TEXT,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    cost_usd          DOUBLE PRECISION NOT NULL,
    position          BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX chat_messages_session ON chat_messages (session_id, position);

-- One row per answered LLM call; kept when a session is deleted (usage and cost).
CREATE TABLE llm_calls (
    message_id        TEXT   PRIMARY KEY,
    configuration_id  TEXT,
    user_id           TEXT   NOT NULL,
    model             TEXT,
    day               TEXT   NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    cost_usd          DOUBLE PRECISION NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX llm_calls_configuration ON llm_calls (configuration_id, day);
