//! [`Store`] for [`PostgresStore`]: each method runs its entity module's
//! function, again when the database rolled it back for contention.

use std::time::Duration;

use async_trait::async_trait;
use waylink_core::account::Account;
use waylink_core::app::App;
use waylink_core::attribution::Candidates;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::install::{Install, Reengagement};
use waylink_core::link::Link;
use waylink_core::quota::Usage;
use waylink_core::stats::{Counts, Group};
use waylink_core::template::Template;

use super::{
    PostgresStore, accounts, apps, changes, clicks, installs, links, stats, templates, usage,
};
use crate::{
    CandidateQuery, ChangeBatch, KeyInfo, LinkPage, LinkQuery, LinkUpdate, StatsQuery, Store,
    StoreError, StoredKey,
};

/// Tries of one operation the database rolled back for a serialization
/// failure or a deadlock (both leave nothing behind).
const ATTEMPTS: u32 = 8;

/// How long one purge may run.
const PURGE_TIMEOUT: Duration = Duration::from_secs(600);

/// A pause before try `attempt + 1`: growing, and jittered so that the
/// transactions that collided do not collide again.
async fn backoff(attempt: u32) {
    use std::hash::{BuildHasher, Hasher};
    let jitter = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % 10;
    let millis = (2u64 << attempt.min(6)) + jitter;
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// Runs the operation `$op` (an expression making a future), again while it
/// fails in a way worth retrying, and answers its outcome as a `StoreError`.
/// The whole of it, retries included, must end within `$store`'s timeout:
/// a database that stopped answering (a cut network drops no connection)
/// makes the caller wait that long, never longer.
macro_rules! run {
    ($store:ident, $op:expr) => {{
        let tries = async {
            let mut attempt = 1;
            loop {
                match $op.await {
                    Err(fail) if fail.retryable() && attempt < ATTEMPTS => {
                        backoff(attempt).await;
                        attempt += 1;
                    }
                    outcome => break outcome.map_err(StoreError::from),
                }
            }
        };
        match tokio::time::timeout($store.timeout, tries).await {
            Ok(outcome) => outcome,
            Err(_) => Err(timed_out($store.timeout)),
        }
    }};
}

/// The error of an operation cut off after `limit`.
fn timed_out(limit: Duration) -> StoreError {
    StoreError::Unavailable(format!(
        "the database did not answer within {} ms",
        limit.as_millis()
    ))
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_account(
        &self,
        account: &Account,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(self, accounts::create(&self.pool, account, key, now))
    }
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        run!(self, accounts::list(&self.pool))
    }
    async fn get_account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        run!(self, accounts::get(&self.pool, account_id))
    }
    async fn find_account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        run!(self, accounts::find_by_name(&self.pool, name))
    }
    async fn update_account(&self, account: &Account) -> Result<bool, StoreError> {
        run!(self, accounts::update(&self.pool, account))
    }
    async fn add_account_key(
        &self,
        account_id: &str,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(self, accounts::add_key(&self.pool, account_id, key, now))
    }
    async fn list_account_keys(&self, account_id: &str) -> Result<Vec<KeyInfo>, StoreError> {
        run!(self, accounts::list_keys(&self.pool, account_id))
    }
    async fn revoke_account_key(
        &self,
        account_id: &str,
        key_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(
            self,
            accounts::revoke_key(&self.pool, account_id, key_id, now)
        )
    }
    async fn account_by_key_hash(&self, hash: &str) -> Result<Option<Account>, StoreError> {
        run!(self, accounts::by_key_hash(&self.pool, hash))
    }

    async fn create_app(
        &self,
        account_id: &str,
        app: &App,
        sdk_key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(
            self,
            apps::create(&self.pool, account_id, app, sdk_key, now)
        )
    }
    async fn get_app(&self, account_id: &str, app_id: &str) -> Result<Option<App>, StoreError> {
        run!(self, apps::get_app(&self.pool, account_id, app_id))
    }
    async fn list_apps(&self, account_id: &str) -> Result<Vec<App>, StoreError> {
        run!(self, apps::list(&self.pool, account_id))
    }
    async fn update_app(&self, account_id: &str, app: &App) -> Result<bool, StoreError> {
        run!(self, apps::update(&self.pool, account_id, app))
    }
    async fn app_by_sdk_key_hash(&self, hash: &str) -> Result<Option<(String, App)>, StoreError> {
        run!(self, apps::by_sdk_key_hash(&self.pool, hash))
    }
    async fn templates_of_app(&self, app_id: &str) -> Result<Vec<TemplateId>, StoreError> {
        run!(self, templates::of_app(&self.pool, app_id))
    }
    async fn delete_app(&self, account_id: &str, app_id: &str) -> Result<bool, StoreError> {
        run!(self, apps::delete(&self.pool, account_id, app_id))
    }

    async fn create_template(
        &self,
        account_id: &str,
        template: &Template,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(
            self,
            templates::create(&self.pool, account_id, template, now)
        )
    }
    async fn get_template(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<Template>, StoreError> {
        run!(self, templates::get(&self.pool, account_id, id))
    }
    async fn list_templates(&self, account_id: &str) -> Result<Vec<Template>, StoreError> {
        run!(self, templates::list(&self.pool, account_id))
    }
    async fn update_template(
        &self,
        account_id: &str,
        template: &Template,
    ) -> Result<bool, StoreError> {
        run!(self, templates::update(&self.pool, account_id, template))
    }
    async fn delete_template(&self, account_id: &str, id: &str) -> Result<bool, StoreError> {
        run!(self, templates::delete(&self.pool, account_id, id))
    }
    async fn find_template(&self, id: &str) -> Result<Option<Template>, StoreError> {
        run!(self, templates::find(&self.pool, id))
    }
    async fn template_by_subdomain(&self, subdomain: &str) -> Result<Option<Template>, StoreError> {
        run!(self, templates::by_subdomain(&self.pool, subdomain))
    }
    async fn templates_by_brand_domain(&self, domain: &str) -> Result<Vec<Template>, StoreError> {
        run!(self, templates::by_brand_domain(&self.pool, domain))
    }
    async fn apps_by_ids(&self, app_ids: &[String]) -> Result<Vec<App>, StoreError> {
        run!(self, apps::by_ids(&self.pool, app_ids))
    }

    async fn create_link(&self, link: &Link) -> Result<(), StoreError> {
        run!(self, links::create(&self.pool, link))
    }
    async fn create_links(
        &self,
        batch: &[Link],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        run!(self, links::create_many(&self.pool, batch))
    }
    async fn get_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        run!(self, links::get_link(&self.pool, template_id, id, now))
    }
    async fn update_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        update: &LinkUpdate,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        run!(
            self,
            links::update(&self.pool, template_id, id, update, now)
        )
    }
    async fn delete_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(self, links::delete(&self.pool, template_id, id, now))
    }
    async fn list_links(&self, query: &LinkQuery) -> Result<LinkPage, StoreError> {
        run!(self, links::list(&self.pool, query))
    }
    async fn renew_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        run!(self, links::renew_link(&self.pool, template_id, id, now))
    }
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        // Not retried: each chunk commits on its own, and the count is of
        // this call's deletes. The next purge finishes what this one left.
        // Its own, longer limit: a purge of many expired links is slow work,
        // not a stalled database.
        match tokio::time::timeout(PURGE_TIMEOUT, links::purge_expired(&self.pool, now)).await {
            Ok(outcome) => outcome.map_err(StoreError::from),
            Err(_) => Err(timed_out(PURGE_TIMEOUT)),
        }
    }

    async fn record_clicks(&self, batch: &[Click]) -> Result<(), StoreError> {
        run!(self, clicks::record(&self.pool, batch))
    }
    async fn list_clicks(
        &self,
        template_id: &TemplateId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Click>, StoreError> {
        run!(self, clicks::list(&self.pool, template_id, since, limit))
    }
    async fn attribution_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<Candidates, StoreError> {
        run!(self, installs::candidates(&self.pool, query))
    }
    async fn get_install(
        &self,
        app_id: &str,
        device_id: &str,
    ) -> Result<Option<Install>, StoreError> {
        run!(self, installs::get_install(&self.pool, app_id, device_id))
    }
    async fn create_install(&self, install: &Install) -> Result<bool, StoreError> {
        run!(self, installs::create_install(&self.pool, install))
    }
    async fn touch_install(
        &self,
        app_id: &str,
        device_id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        run!(
            self,
            installs::touch_install(&self.pool, app_id, device_id, at)
        )
    }
    async fn record_reengagement(&self, reengagement: &Reengagement) -> Result<(), StoreError> {
        run!(
            self,
            installs::record_reengagement(&self.pool, reengagement)
        )
    }
    async fn stats_rows(&self, query: &StatsQuery) -> Result<Vec<(Group, Counts)>, StoreError> {
        run!(self, stats::stats_rows(&self.pool, query))
    }
    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        run!(self, clicks::secret(&self.pool, name, candidate))
    }

    async fn changes_since(&self, since: Option<i64>) -> Result<ChangeBatch, StoreError> {
        run!(self, changes::since(&self.pool, since))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        run!(self, usage::ping(&self.pool))
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        run!(self, clicks::lease(&self.pool, name, holder, now, ttl_ms))
    }

    async fn charge_request(&self, account_id: &str, now: Timestamp) -> Result<Usage, StoreError> {
        run!(self, usage::charge_request(&self.pool, account_id, now))
    }
    async fn charge_quota(
        &self,
        account_id: &str,
        now: Timestamp,
        units: u64,
    ) -> Result<u64, StoreError> {
        run!(
            self,
            usage::charge_quota(&self.pool, account_id, now, units)
        )
    }
    async fn quota_used(&self, account_id: &str, now: Timestamp) -> Result<u64, StoreError> {
        run!(self, usage::quota_used(&self.pool, account_id, now))
    }
}
