-- Accounts, their API keys, apps, templates, links and usage counters.
-- Times are milliseconds since the Unix epoch, UTC, from the caller's
-- clock. The schema keeps to what PostgreSQL-compatible distributed engines
-- (CockroachDB, YugabyteDB, Citus) support: no triggers, no advisory locks,
-- no LISTEN/NOTIFY, no column collations.

CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    daily_quota BIGINT NOT NULL,
    rate_limit  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX accounts_by_name ON accounts (name);

CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    hint       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_by_account ON api_keys (account_id);

CREATE TABLE apps (
    app_id        TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    fingerprints  TEXT NOT NULL,
    bundle_id     TEXT,
    team_id       TEXT,
    sdk_key_hash  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT apps_app_id_unique PRIMARY KEY (app_id),
    CONSTRAINT apps_sdk_key_hash_unique UNIQUE (sdk_key_hash)
);
CREATE INDEX apps_by_account ON apps (account_id);

CREATE TABLE templates (
    id                       TEXT NOT NULL,
    account_id               TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    subdomain                TEXT NOT NULL,
    android_app_id           TEXT REFERENCES apps (app_id),
    ios_app_id               TEXT REFERENCES apps (app_id),
    uri_scheme               TEXT,
    desktop_url              TEXT,
    allowed_redirect_domains TEXT NOT NULL,
    og_title                 TEXT,
    og_description           TEXT,
    og_image                 TEXT,
    created_at               BIGINT NOT NULL,
    CONSTRAINT templates_id_unique PRIMARY KEY (id),
    CONSTRAINT templates_subdomain_unique UNIQUE (subdomain)
);
CREATE INDEX templates_by_account ON templates (account_id);
CREATE INDEX templates_by_android_app ON templates (android_app_id) WHERE android_app_id IS NOT NULL;
CREATE INDEX templates_by_ios_app ON templates (ios_app_id) WHERE ios_app_id IS NOT NULL;

-- A brand domain may serve several templates of one account, never two
-- accounts; template writes check that in a serializable transaction.
CREATE TABLE brand_domains (
    domain      TEXT NOT NULL,
    template_id TEXT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (domain, template_id)
);
CREATE INDEX brand_domains_by_template ON brand_domains (template_id);

-- `data` holds the link's parameters as one JSON object of strings.
CREATE TABLE links (
    template_id  TEXT NOT NULL,
    shortlink_id TEXT NOT NULL,
    data         JSONB NOT NULL,
    brand_domain TEXT,
    ttl_secs     BIGINT NOT NULL,
    renew_ttl    BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (template_id, shortlink_id)
);
CREATE INDEX links_newest_first ON links (template_id, created_at DESC, shortlink_id DESC);
CREATE INDEX links_by_expiry ON links (expires_at);

CREATE TABLE rate_counters (
    account_id TEXT NOT NULL,
    second     BIGINT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (account_id, second)
);

CREATE TABLE quota_counters (
    account_id TEXT NOT NULL,
    day        BIGINT NOT NULL,
    used       BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);
