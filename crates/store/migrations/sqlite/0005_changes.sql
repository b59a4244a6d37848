-- The change log: every update or delete of a link, and every write of a
-- template, appends a row in the same transaction. Nodes poll it to drop
-- what they cached (a change feed every supported engine can serve, with
-- no LISTEN/NOTIFY or triggers). `changed_at` is the database's clock in
-- milliseconds, not the caller's, so that a test clock cannot hide a row.
CREATE TABLE changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL DEFAULT '',
    changed_at   INTEGER NOT NULL
);
CREATE INDEX changes_by_time ON changes (changed_at);
