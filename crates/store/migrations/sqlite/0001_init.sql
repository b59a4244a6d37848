-- Accounts, their API keys, apps, templates, links and usage counters.
-- Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    daily_quota INTEGER NOT NULL,
    rate_limit  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX accounts_by_name ON accounts (name);

CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    hint       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX api_keys_by_account ON api_keys (account_id);

CREATE TABLE apps (
    app_id        TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    fingerprints  TEXT NOT NULL,
    bundle_id     TEXT,
    team_id       TEXT,
    sdk_key_hash  TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX apps_by_account ON apps (account_id);

CREATE TABLE templates (
    id                       TEXT PRIMARY KEY,
    account_id               TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    subdomain                TEXT NOT NULL UNIQUE,
    android_app_id           TEXT REFERENCES apps (app_id),
    ios_app_id               TEXT REFERENCES apps (app_id),
    uri_scheme               TEXT,
    desktop_url              TEXT,
    allowed_redirect_domains TEXT NOT NULL,
    og_title                 TEXT,
    og_description           TEXT,
    og_image                 TEXT,
    created_at               INTEGER NOT NULL
);
CREATE INDEX templates_by_account ON templates (account_id);

-- A brand domain may serve several templates of one account, never two accounts.
CREATE TABLE brand_domains (
    domain      TEXT NOT NULL,
    template_id TEXT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (domain, template_id)
);
CREATE INDEX brand_domains_by_template ON brand_domains (template_id);

CREATE TABLE links (
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL,
    data         TEXT NOT NULL,
    brand_domain TEXT,
    ttl_secs     INTEGER NOT NULL,
    renew_ttl    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (template_id, shortlink_id)
) WITHOUT ROWID;
CREATE INDEX links_newest_first ON links (template_id, created_at DESC, shortlink_id DESC);
CREATE INDEX links_by_expiry ON links (expires_at);

CREATE TABLE rate_counters (
    account_id TEXT NOT NULL,
    second     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (account_id, second)
) WITHOUT ROWID;

CREATE TABLE quota_counters (
    account_id TEXT NOT NULL,
    day        INTEGER NOT NULL,
    used       INTEGER NOT NULL,
    PRIMARY KEY (account_id, day)
) WITHOUT ROWID;
