-- Read model: login sessions (written only by the sessions projection).
CREATE TABLE sessions (
    session_id        TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL,
    method            TEXT NOT NULL,
    client_ip         TEXT,
    user_agent        TEXT,
    created_at        BIGINT NOT NULL,
    last_refreshed_at BIGINT,
    expires_at        BIGINT NOT NULL,
    revoked_at        BIGINT,
    revoke_reason     TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
