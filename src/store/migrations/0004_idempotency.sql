-- Keys clients send with creates (Idempotency-Key), so a retry after a lost answer returns
-- what the first request made instead of making it again. Forgotten after 30 days.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at);
