-- The change log: every update or delete of a link, and every write of a
-- template, appends a row in the same transaction. Nodes poll it to drop
-- what they cached: a change feed every supported engine can serve, with
-- no LISTEN/NOTIFY or triggers. `changed_at` is the database's clock in
-- milliseconds (the transaction's start), not the caller's, so that every
-- node reads it against one clock.
CREATE TABLE changes (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL DEFAULT '',
    changed_at   BIGINT NOT NULL
);
CREATE INDEX changes_by_time ON changes (changed_at);
