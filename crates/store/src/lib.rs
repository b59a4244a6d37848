//! Waylink's storage: the [`Store`] trait and its backends.
//!
//! The server talks to storage only through [`Store`], so the embedded
//! SQLite store ([`sqlite::SqliteStore`]) and the PostgreSQL store
//! ([`postgres::PostgresStore`]) behave the same; one contract test suite
//! (`tests/contract.rs`) holds both to it.
//!
//! Rules about *what* is valid live in `waylink-core`; a store only keeps
//! what it is given and enforces the uniqueness rules that need a
//! transaction (ids, subdomains, brand domains, app ids), answering
//! [`StoreError::Conflict`] with a sentence that names what is taken.
//! Every method that reads links takes `now`, because what is expired is
//! decided by the caller's clock, never the database's.

pub mod changes;
mod click_counts;
mod error;
pub mod postgres;
mod renewals;
pub mod sqlite;

use async_trait::async_trait;
use waylink_core::account::Account;
use waylink_core::app::App;
use waylink_core::attribution::Candidates;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::install::{Install, Reengagement};
use waylink_core::link::Link;
use waylink_core::link_data::LinkData;
use waylink_core::quota::Usage;
use waylink_core::stats::{Counts, Group};
use waylink_core::template::Template;
use waylink_core::ttl::Ttl;

pub use changes::{Change, ChangeBatch, Changed};
pub use error::StoreError;

/// A stored key: its hash and a hint to tell it apart. The secret itself is
/// never given to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// SHA-256 of the key, lower-case hex.
    pub hash: String,
    /// The prefix and first characters, shown in key lists.
    pub hint: String,
}

/// An account key as listed to the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's id: the first 12 characters of its hash.
    pub key_id: String,
    /// The prefix and first characters of the key.
    pub hint: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// What an update writes over a live link. `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkUpdate {
    /// The new data, replacing the old whole.
    pub data: LinkData,
    /// The TTL; the expiry becomes `now` plus this.
    pub ttl: Ttl,
    /// Whether clicks renew the link; `None` keeps the current setting.
    pub renew_ttl: Option<bool>,
    /// The brand domain of its short URL; `None` keeps the current one.
    pub brand_domain: Option<String>,
}

/// Where a page of a link listing starts: after this link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCursor {
    /// Creation time of the last link of the previous page.
    pub created_at: Timestamp,
    /// Its id.
    pub shortlink_id: String,
}

/// A request for one page of a template's live links, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkQuery {
    /// The template.
    pub template_id: TemplateId,
    /// Only links whose data has these exact values.
    pub filters: Vec<(String, String)>,
    /// Most links in the page.
    pub limit: usize,
    /// Start after this link.
    pub after: Option<LinkCursor>,
    /// Links expired at this time are left out.
    pub now: Timestamp,
}

/// One page of links and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPage {
    /// The links, newest first.
    pub links: Vec<Link>,
    /// The cursor of the next page, `None` on the last one.
    pub next: Option<LinkCursor>,
}

/// What statistics to read: a template (or one of its links) over a time
/// range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// The template.
    pub template_id: TemplateId,
    /// Only this short link, if given (organic installs are then left out:
    /// they belong to no link).
    pub shortlink_id: Option<String>,
    /// The apps of the template, whose organic installs count.
    pub app_ids: Vec<String>,
    /// Start of the range, inclusive.
    pub from: Timestamp,
    /// End of the range, exclusive.
    pub to: Timestamp,
}

/// What an install looks for: each list is bounded, whatever the number
/// of stored clicks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateQuery {
    /// The click id the install referrer names.
    pub click_id: Option<String>,
    /// The device's advertising id.
    pub advertising_id: Option<String>,
    /// The hash of the launch's client IP.
    pub ip_hash: Option<String>,
    /// The platform of the app.
    pub platform: waylink_core::user_agent::DeviceKind,
    /// The install time: no later click counts.
    pub at: Timestamp,
    /// Most clicks read per method.
    pub limit: usize,
}

/// Everything Waylink keeps.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an account with its first API key.
    async fn create_account(
        &self,
        account: &Account,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Every account, oldest first.
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// One account.
    async fn get_account(&self, account_id: &str) -> Result<Option<Account>, StoreError>;
    /// The first account with this name, if any.
    async fn find_account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError>;
    /// Replaces an account's name and limits; `false` when it does not exist.
    async fn update_account(&self, account: &Account) -> Result<bool, StoreError>;
    /// Adds an API key to an account; `false` when the account does not exist.
    async fn add_account_key(
        &self,
        account_id: &str,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// The account's keys, oldest first.
    async fn list_account_keys(&self, account_id: &str) -> Result<Vec<KeyInfo>, StoreError>;
    /// Revokes a key by id; `false` when the account has no such live key.
    async fn revoke_account_key(
        &self,
        account_id: &str,
        key_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// The account a live API key (by hash) belongs to.
    async fn account_by_key_hash(&self, hash: &str) -> Result<Option<Account>, StoreError>;

    /// Registers an app; `Conflict` when its app id is registered anywhere.
    async fn create_app(
        &self,
        account_id: &str,
        app: &App,
        sdk_key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// One app of the account.
    async fn get_app(&self, account_id: &str, app_id: &str) -> Result<Option<App>, StoreError>;
    /// The account's apps, oldest first.
    async fn list_apps(&self, account_id: &str) -> Result<Vec<App>, StoreError>;
    /// Replaces an app's settings; `false` when the account has no such app.
    async fn update_app(&self, account_id: &str, app: &App) -> Result<bool, StoreError>;
    /// The app an SDK key (by hash) opens, with the id of its account.
    async fn app_by_sdk_key_hash(&self, hash: &str) -> Result<Option<(String, App)>, StoreError>;
    /// The ids of the templates (of any account) that open `app_id`.
    async fn templates_of_app(&self, app_id: &str) -> Result<Vec<TemplateId>, StoreError>;
    /// Deletes an app; `false` when absent, `Conflict` when a template uses it.
    async fn delete_app(&self, account_id: &str, app_id: &str) -> Result<bool, StoreError>;

    /// Creates a template; `Conflict` on a taken id, subdomain or brand domain.
    async fn create_template(
        &self,
        account_id: &str,
        template: &Template,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// One template of the account.
    async fn get_template(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<Template>, StoreError>;
    /// The account's templates, oldest first.
    async fn list_templates(&self, account_id: &str) -> Result<Vec<Template>, StoreError>;
    /// Replaces a template; `false` when absent, `Conflict` as for create.
    async fn update_template(
        &self,
        account_id: &str,
        template: &Template,
    ) -> Result<bool, StoreError>;
    /// Deletes a template and all its links; `false` when absent. Its
    /// clicks are left to the purge and its daily click counters are kept,
    /// as for a link deleted alone.
    async fn delete_template(&self, account_id: &str, id: &str) -> Result<bool, StoreError>;
    /// A template of any account, for routing a click.
    async fn find_template(&self, id: &str) -> Result<Option<Template>, StoreError>;
    /// The template whose domain is `{subdomain}.{base_domain}`.
    async fn template_by_subdomain(&self, subdomain: &str) -> Result<Option<Template>, StoreError>;
    /// The templates a brand domain serves, oldest first.
    async fn templates_by_brand_domain(&self, domain: &str) -> Result<Vec<Template>, StoreError>;
    /// Apps of any account by app id, for the well-known files.
    async fn apps_by_ids(&self, app_ids: &[String]) -> Result<Vec<App>, StoreError>;

    /// Stores a new link. An expired link with the same id is replaced;
    /// a live one is a `Conflict`.
    async fn create_link(&self, link: &Link) -> Result<(), StoreError>;
    /// Stores many links in one transaction, one result per link, in order.
    async fn create_links(&self, links: &[Link])
    -> Result<Vec<Result<(), StoreError>>, StoreError>;
    /// A live link.
    async fn get_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError>;
    /// Replaces a live link's data and resets its expiry to `now` + TTL.
    async fn update_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        update: &LinkUpdate,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError>;
    /// Deletes a live link; `false` when there is none.
    async fn delete_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// A page of a template's live links.
    async fn list_links(&self, query: &LinkQuery) -> Result<LinkPage, StoreError>;
    /// Applies a click at `now`: a live link that renews gets the expiry
    /// `now` + its TTL, never less than it had (the rule of
    /// `waylink_core::link::renewed_expiry`). Answers the link's expiry
    /// after the click, or `None` when the link is missing, expired, or
    /// made with `renew_ttl: false`.
    async fn renew_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError>;
    /// Deletes links expired at `now`, clicks older than 31 days (past
    /// every lookback window plus a day), usage counters too old to matter
    /// and change-log rows older than [`changes::KEEP_MS`]; answers how
    /// many links went. The daily click counters are kept: statistics of
    /// older days read them.
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Stores a batch of clicks, adds them to the daily click counters and
    /// renews the live short links they were on (see
    /// [`Store::renew_link`]), all in one transaction. A click id already
    /// stored is skipped and not counted again, so a retried batch is
    /// harmless.
    async fn record_clicks(&self, clicks: &[Click]) -> Result<(), StoreError>;
    /// The clicks of a template at or after `since`, oldest first.
    async fn list_clicks(
        &self,
        template_id: &TemplateId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Click>, StoreError>;
    /// The clicks an install may be attributed to, one bounded list per
    /// method, each read through an index: the click the referrer names,
    /// the latest clicks with the advertising id (within the longest
    /// lookback), the latest from the IP hash (within 24 hours).
    async fn attribution_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<Candidates, StoreError>;
    /// The install of a device for an app.
    async fn get_install(
        &self,
        app_id: &str,
        device_id: &str,
    ) -> Result<Option<Install>, StoreError>;
    /// Stores an install unless the device has one; `true` when stored.
    async fn create_install(&self, install: &Install) -> Result<bool, StoreError>;
    /// Notes a later launch of an installed device.
    async fn touch_install(
        &self,
        app_id: &str,
        device_id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records a re-engagement.
    async fn record_reengagement(&self, reengagement: &Reengagement) -> Result<(), StoreError>;
    /// Statistics rows with every dimension set, for the core to group.
    /// Clicks are read from the daily counters for the whole UTC days of
    /// the range and from the raw clicks for the partial days at its
    /// edges, so a partial day older than the 31 days raw clicks are kept
    /// counts no clicks, while a whole one still counts them all.
    async fn stats_rows(&self, query: &StatsQuery) -> Result<Vec<(Group, Counts)>, StoreError>;
    /// The server secret called `name`: `candidate` is stored if none is,
    /// and whichever was stored first is answered, so every node that
    /// shares the database agrees on it.
    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError>;

    /// The change log since `since` (the database's clock, milliseconds;
    /// `None`: only the database's time, no rows). Updates and deletes of
    /// links and writes of templates append to it in their own
    /// transaction; see [`changes`].
    async fn changes_since(&self, since: Option<i64>) -> Result<ChangeBatch, StoreError>;

    /// Answers `Ok` when the database answers a trivial query: readiness.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Takes or renews the lease `name` for `holder` until `now + ttl_ms`:
    /// `true` when `holder` has it, `false` while another holder's lease
    /// runs. Nodes sharing a database use it so that one of them runs a
    /// background job at a time.
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Counts a request against the account's per-second counter and
    /// answers both counters.
    async fn charge_request(&self, account_id: &str, now: Timestamp) -> Result<Usage, StoreError>;
    /// Adds `units` to the account's counter for the UTC day of `now` and
    /// answers the day's total.
    async fn charge_quota(
        &self,
        account_id: &str,
        now: Timestamp,
        units: u64,
    ) -> Result<u64, StoreError>;
    /// The account's quota units used on the UTC day of `now`.
    async fn quota_used(&self, account_id: &str, now: Timestamp) -> Result<u64, StoreError>;
}
