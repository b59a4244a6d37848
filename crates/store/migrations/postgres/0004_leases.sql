-- Leases: which node runs a background job (the purge) for a while. A
-- conditional upsert on one row, which every supported engine serves.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
