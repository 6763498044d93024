-- Single-use WebSocket tickets, redeemable on any node: a coordination table
-- (like stream_leases), not a read model. Only SHA-256 digests are stored.
CREATE TABLE ws_tickets (
    digest     TEXT   PRIMARY KEY,
    user_id    TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    session_id TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
