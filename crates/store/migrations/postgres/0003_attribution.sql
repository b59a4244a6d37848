-- Installs and their attribution, re-engagements, per-app UDL windows,
-- and the click indexes attribution reads through.

ALTER TABLE apps ADD COLUMN udl_window_secs BIGINT NOT NULL DEFAULT 3600;

-- One lookup per method: the advertising id and the IP hash of an install
-- lead straight to the latest clicks that share them.
CREATE INDEX clicks_by_advertising_id ON clicks (advertising_id, device, at) WHERE advertising_id IS NOT NULL;
CREATE INDEX clicks_by_ip_hash ON clicks (ip_hash, device, at) WHERE ip_hash IS NOT NULL;

-- The outcome of an install is fixed when it happens: the click it was
-- credited to is copied here, so it outlives the purge of old clicks.
CREATE TABLE installs (
    app_id         TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    platform       TEXT NOT NULL,
    installed_at   BIGINT NOT NULL,
    last_launch_at BIGINT NOT NULL,
    match_type     TEXT,
    lookback       TEXT,
    click_id       TEXT,
    click_at       BIGINT,
    template_id    TEXT,
    shortlink_id   TEXT,
    click_data     JSONB,
    click_referer  TEXT,
    pid            TEXT,
    campaign       TEXT,
    PRIMARY KEY (app_id, device_id)
);
CREATE INDEX installs_by_template ON installs (template_id, installed_at) WHERE template_id IS NOT NULL;
CREATE INDEX installs_by_app ON installs (app_id, installed_at);

-- Rows are only ever inserted and counted; the key is arbitrary. BIGSERIAL
-- is a sequence in PostgreSQL and a unique_rowid() in CockroachDB, which
-- spreads inserts instead of making one hot range.
CREATE TABLE reengagements (
    id           BIGSERIAL PRIMARY KEY,
    app_id       TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    at           BIGINT NOT NULL,
    platform     TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    shortlink_id TEXT,
    pid          TEXT,
    campaign     TEXT
);
CREATE INDEX reengagements_by_template ON reengagements (template_id, at);
