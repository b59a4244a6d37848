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

use super::{PostgresStore, accounts, apps, clicks, installs, links, stats, templates, usage};
use crate::{
    CandidateQuery, KeyInfo, LinkPage, LinkQuery, LinkUpdate, StatsQuery, Store, StoreError,
    StoredKey,
};

/// Tries of one operation the database rolled back for a serialization
/// failure or a deadlock (both leave nothing behind).
const ATTEMPTS: u32 = 8;

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
macro_rules! run {
    ($op:expr) => {{
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
    }};
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_account(
        &self,
        account: &Account,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(accounts::create(&self.pool, account, key, now))
    }
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        run!(accounts::list(&self.pool))
    }
    async fn get_account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        run!(accounts::get(&self.pool, account_id))
    }
    async fn find_account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        run!(accounts::find_by_name(&self.pool, name))
    }
    async fn update_account(&self, account: &Account) -> Result<bool, StoreError> {
        run!(accounts::update(&self.pool, account))
    }
    async fn add_account_key(
        &self,
        account_id: &str,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(accounts::add_key(&self.pool, account_id, key, now))
    }
    async fn list_account_keys(&self, account_id: &str) -> Result<Vec<KeyInfo>, StoreError> {
        run!(accounts::list_keys(&self.pool, account_id))
    }
    async fn revoke_account_key(
        &self,
        account_id: &str,
        key_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(accounts::revoke_key(&self.pool, account_id, key_id, now))
    }
    async fn account_by_key_hash(&self, hash: &str) -> Result<Option<Account>, StoreError> {
        run!(accounts::by_key_hash(&self.pool, hash))
    }

    async fn create_app(
        &self,
        account_id: &str,
        app: &App,
        sdk_key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(apps::create(&self.pool, account_id, app, sdk_key, now))
    }
    async fn get_app(&self, account_id: &str, app_id: &str) -> Result<Option<App>, StoreError> {
        run!(apps::get_app(&self.pool, account_id, app_id))
    }
    async fn list_apps(&self, account_id: &str) -> Result<Vec<App>, StoreError> {
        run!(apps::list(&self.pool, account_id))
    }
    async fn update_app(&self, account_id: &str, app: &App) -> Result<bool, StoreError> {
        run!(apps::update(&self.pool, account_id, app))
    }
    async fn app_by_sdk_key_hash(&self, hash: &str) -> Result<Option<(String, App)>, StoreError> {
        run!(apps::by_sdk_key_hash(&self.pool, hash))
    }
    async fn templates_of_app(&self, app_id: &str) -> Result<Vec<TemplateId>, StoreError> {
        run!(templates::of_app(&self.pool, app_id))
    }
    async fn delete_app(&self, account_id: &str, app_id: &str) -> Result<bool, StoreError> {
        run!(apps::delete(&self.pool, account_id, app_id))
    }

    async fn create_template(
        &self,
        account_id: &str,
        template: &Template,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        run!(templates::create(&self.pool, account_id, template, now))
    }
    async fn get_template(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<Template>, StoreError> {
        run!(templates::get(&self.pool, account_id, id))
    }
    async fn list_templates(&self, account_id: &str) -> Result<Vec<Template>, StoreError> {
        run!(templates::list(&self.pool, account_id))
    }
    async fn update_template(
        &self,
        account_id: &str,
        template: &Template,
    ) -> Result<bool, StoreError> {
        run!(templates::update(&self.pool, account_id, template))
    }
    async fn delete_template(&self, account_id: &str, id: &str) -> Result<bool, StoreError> {
        run!(templates::delete(&self.pool, account_id, id))
    }
    async fn find_template(&self, id: &str) -> Result<Option<Template>, StoreError> {
        run!(templates::find(&self.pool, id))
    }
    async fn template_by_subdomain(&self, subdomain: &str) -> Result<Option<Template>, StoreError> {
        run!(templates::by_subdomain(&self.pool, subdomain))
    }
    async fn templates_by_brand_domain(&self, domain: &str) -> Result<Vec<Template>, StoreError> {
        run!(templates::by_brand_domain(&self.pool, domain))
    }
    async fn apps_by_ids(&self, app_ids: &[String]) -> Result<Vec<App>, StoreError> {
        run!(apps::by_ids(&self.pool, app_ids))
    }

    async fn create_link(&self, link: &Link) -> Result<(), StoreError> {
        run!(links::create(&self.pool, link))
    }
    async fn create_links(
        &self,
        batch: &[Link],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        run!(links::create_many(&self.pool, batch))
    }
    async fn get_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        run!(links::get_link(&self.pool, template_id, id, now))
    }
    async fn update_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        update: &LinkUpdate,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        run!(links::update(&self.pool, template_id, id, update, now))
    }
    async fn delete_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        run!(links::delete(&self.pool, template_id, id, now))
    }
    async fn list_links(&self, query: &LinkQuery) -> Result<LinkPage, StoreError> {
        run!(links::list(&self.pool, query))
    }
    async fn renew_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        run!(links::renew_link(&self.pool, template_id, id, now))
    }
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        // Not retried: each chunk commits on its own, and the count is of
        // this call's deletes. The next purge finishes what this one left.
        links::purge_expired(&self.pool, now)
            .await
            .map_err(StoreError::from)
    }

    async fn record_clicks(&self, batch: &[Click]) -> Result<(), StoreError> {
        run!(clicks::record(&self.pool, batch))
    }
    async fn list_clicks(
        &self,
        template_id: &TemplateId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Click>, StoreError> {
        run!(clicks::list(&self.pool, template_id, since, limit))
    }
    async fn attribution_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<Candidates, StoreError> {
        run!(installs::candidates(&self.pool, query))
    }
    async fn get_install(
        &self,
        app_id: &str,
        device_id: &str,
    ) -> Result<Option<Install>, StoreError> {
        run!(installs::get_install(&self.pool, app_id, device_id))
    }
    async fn create_install(&self, install: &Install) -> Result<bool, StoreError> {
        run!(installs::create_install(&self.pool, install))
    }
    async fn touch_install(
        &self,
        app_id: &str,
        device_id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        run!(installs::touch_install(&self.pool, app_id, device_id, at))
    }
    async fn record_reengagement(&self, reengagement: &Reengagement) -> Result<(), StoreError> {
        run!(installs::record_reengagement(&self.pool, reengagement))
    }
    async fn stats_rows(&self, query: &StatsQuery) -> Result<Vec<(Group, Counts)>, StoreError> {
        run!(stats::stats_rows(&self.pool, query))
    }
    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        run!(clicks::secret(&self.pool, name, candidate))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        run!(usage::ping(&self.pool))
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        run!(clicks::lease(&self.pool, name, holder, now, ttl_ms))
    }

    async fn charge_request(&self, account_id: &str, now: Timestamp) -> Result<Usage, StoreError> {
        run!(usage::charge_request(&self.pool, account_id, now))
    }
    async fn charge_quota(
        &self,
        account_id: &str,
        now: Timestamp,
        units: u64,
    ) -> Result<u64, StoreError> {
        run!(usage::charge_quota(&self.pool, account_id, now, units))
    }
    async fn quota_used(&self, account_id: &str, now: Timestamp) -> Result<u64, StoreError> {
        run!(usage::quota_used(&self.pool, account_id, now))
    }
}
