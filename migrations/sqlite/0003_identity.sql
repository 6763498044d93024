-- Identity: verified addresses and erasure on users; API keys.
ALTER TABLE users ADD COLUMN email_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN erased_at BIGINT;

-- Read model: API keys (written only by the api_keys projection). Only the
-- hash of a key is kept.
CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    owner_id     TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    role         TEXT   NOT NULL,
    secret_hash  TEXT   NOT NULL,
    created_by   TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_keys_owner ON api_keys (owner_id, created_at);
