-- Clicks on links, and secrets the server makes once and keeps.

CREATE TABLE clicks (
    click_id       TEXT PRIMARY KEY,
    at             BIGINT NOT NULL,
    template_id    TEXT NOT NULL,
    shortlink_id   TEXT,
    data           JSONB NOT NULL,
    device         TEXT NOT NULL,
    os_version     TEXT,
    device_model   TEXT,
    referer        TEXT,
    advertising_id TEXT,
    ip_hash        TEXT,
    expired        BOOLEAN NOT NULL
);
CREATE INDEX clicks_by_template_time ON clicks (template_id, at);
-- For the purge of clicks past every lookback window.
CREATE INDEX clicks_by_time ON clicks (at);

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
