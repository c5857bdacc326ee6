-- Portable schema: TEXT times (RFC 3339, UTC, fixed width so they sort), BIGINT counters,
-- JSON documents as TEXT. Runs unchanged on SQLite and PostgreSQL.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    determination TEXT NOT NULL,
    site TEXT NOT NULL,
    owner TEXT,
    reported_by TEXT NOT NULL,
    discovered_at TEXT NOT NULL,
    category TEXT NOT NULL,
    search_text TEXT NOT NULL,
    import_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX incidents_updated_at ON incidents (updated_at);
CREATE INDEX incidents_status ON incidents (status);
CREATE INDEX incidents_reported_by ON incidents (reported_by);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq BIGINT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX notes_incident ON notes (incident_id);

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq BIGINT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX actions_incident ON actions (incident_id);
CREATE INDEX actions_status ON actions (status);

CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    incident_id TEXT,
    entity_id TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_incident ON audit (incident_id);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    salt TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
