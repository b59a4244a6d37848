//! The embedded store: one SQLite database file in WAL mode.
//!
//! One writer connection on a thread of its own, which commits the writes
//! waiting together (group commit, see `writer.rs`), and a few reader
//! connections, which WAL lets read while the writer writes. Reads run on
//! tokio's blocking pool, so a slow disk never stalls the async workers. `synchronous=NORMAL` in WAL mode makes a committed
//! transaction survive the death of the process (`kill -9`): the commit is
//! in the WAL file before the call returns; only a power cut may lose the
//! last commits, which `--sqlite-synchronous full` also covers.

mod accounts;
mod apps;
mod changes;
mod click_counts;
mod clicks;
mod counters;
mod installs;
mod links;
mod migrations;
mod rows;
mod stats;
mod templates;
mod usage;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use counters::Counters;
use rusqlite::Connection;
use rusqlite::config::DbConfig;
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
use writer::Writer;

use crate::{
    CandidateQuery, ChangeBatch, KeyInfo, LinkPage, LinkQuery, LinkUpdate, StatsQuery, Store,
    StoreError, StoredKey,
};

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "waylink.sqlite3";
/// Reader connections kept open.
const READERS: usize = 4;

/// How hard SQLite pushes commits to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a crash of the process; the default.
    #[default]
    Process,
    /// Also survives a crash of the machine, at the cost of an fsync per commit.
    Machine,
}

/// The embedded SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
    counters: Arc<Counters>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and brings its
    /// schema up to date.
    pub fn open(data_dir: &Path, durability: Durability) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot create the data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut conn = open_connection(&path, durability)?;
        migrations::migrate(&mut conn)?;
        let writer = Writer::start(conn)?;
        let readers = (0..READERS)
            .map(|_| open_connection(&path, durability).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            writer,
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
            counters: Arc::new(Counters::default()),
        })
    }

    /// Brings the schema in `data_dir` up to date; answers the versions applied.
    pub fn migrate(data_dir: &Path) -> Result<Vec<i64>, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let mut conn = open_connection(&data_dir.join(DATABASE_FILE), Durability::Process)?;
        migrations::migrate(&mut conn)
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.write(f).await
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let index = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        run_blocking(move || {
            let conn = readers[index].lock().map_err(|_| poisoned())?;
            f(&conn)
        })
        .await
    }
}

fn open_connection(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| {
        StoreError::Unavailable(format!("cannot open the database {}: {e}", path.display()))
    })?;
    let synchronous = match durability {
        Durability::Process => "NORMAL",
        Durability::Machine => "FULL",
    };
    // A page cache of 32 MiB per connection (SQLite's default is 2 MiB):
    // the indexes the click writer and attribution walk stay in memory.
    // Savepoint journals (every grouped write has one) in memory, not in
    // temporary files. Checkpoints every 10,000 pages instead of 1,000:
    // a page written often is copied to the database once per checkpoint.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 10000;"
    ))?;
    // Plans do not depend on the values bound: without this SQLite compiles
    // a statement again whenever a bound `LIMIT ?` changes, which made the
    // cached statements of the readers a parse per query.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

async fn run_blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(format!("a storage task failed: {e}")))?
}

fn poisoned() -> StoreError {
    StoreError::Internal("a storage connection was poisoned by an earlier failure".into())
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_account(
        &self,
        account: &Account,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (account, key) = (account.clone(), key.clone());
        self.write(move |c| accounts::create(c, &account, &key, now))
            .await
    }
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(accounts::list).await
    }
    async fn get_account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        let id = account_id.to_owned();
        self.read(move |c| accounts::get(c, &id)).await
    }
    async fn find_account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let name = name.to_owned();
        self.read(move |c| accounts::find_by_name(c, &name)).await
    }
    async fn update_account(&self, account: &Account) -> Result<bool, StoreError> {
        let account = account.clone();
        self.write(move |c| accounts::update(c, &account)).await
    }
    async fn add_account_key(
        &self,
        account_id: &str,
        key: &StoredKey,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (id, key) = (account_id.to_owned(), key.clone());
        self.write(move |c| accounts::add_key(c, &id, &key, now))
            .await
    }
    async fn list_account_keys(&self, account_id: &str) -> Result<Vec<KeyInfo>, StoreError> {
        let id = account_id.to_owned();
        self.read(move |c| accounts::list_keys(c, &id)).await
    }
    async fn revoke_account_key(
        &self,
        account_id: &str,
        key_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (id, key_id) = (account_id.to_owned(), key_id.to_owned());
        self.write(move |c| accounts::revoke_key(c, &id, &key_id, now))
            .await
    }
    async fn account_by_key_hash(&self, hash: &str) -> Result<Option<Account>, StoreError> {
        let hash = hash.to_owned();
        self.read(move |c| accounts::by_key_hash(c, &hash)).await
    }

    async fn create_app(
        &self,
        account_id: &str,
        app: &App,
        sdk_key: &StoredKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (id, app, key) = (account_id.to_owned(), app.clone(), sdk_key.clone());
        self.write(move |c| apps::create(c, &id, &app, &key, now))
            .await
    }
    async fn get_app(&self, account_id: &str, app_id: &str) -> Result<Option<App>, StoreError> {
        let (id, app_id) = (account_id.to_owned(), app_id.to_owned());
        self.read(move |c| apps::get(c, &id, &app_id)).await
    }
    async fn list_apps(&self, account_id: &str) -> Result<Vec<App>, StoreError> {
        let id = account_id.to_owned();
        self.read(move |c| apps::list(c, &id)).await
    }
    async fn update_app(&self, account_id: &str, app: &App) -> Result<bool, StoreError> {
        let (id, app) = (account_id.to_owned(), app.clone());
        self.write(move |c| apps::update(c, &id, &app)).await
    }
    async fn app_by_sdk_key_hash(&self, hash: &str) -> Result<Option<(String, App)>, StoreError> {
        let hash = hash.to_owned();
        self.read(move |c| apps::by_sdk_key_hash(c, &hash)).await
    }
    async fn templates_of_app(&self, app_id: &str) -> Result<Vec<TemplateId>, StoreError> {
        let app_id = app_id.to_owned();
        self.read(move |c| installs::templates_of_app(c, &app_id))
            .await
    }
    async fn delete_app(&self, account_id: &str, app_id: &str) -> Result<bool, StoreError> {
        let (id, app_id) = (account_id.to_owned(), app_id.to_owned());
        self.write(move |c| apps::delete(c, &id, &app_id)).await
    }

    async fn create_template(
        &self,
        account_id: &str,
        template: &Template,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (id, template) = (account_id.to_owned(), template.clone());
        self.write(move |c| templates::create(c, &id, &template, now))
            .await
    }
    async fn get_template(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Option<Template>, StoreError> {
        let (account, id) = (account_id.to_owned(), id.to_owned());
        self.read(move |c| templates::get(c, &account, &id)).await
    }
    async fn list_templates(&self, account_id: &str) -> Result<Vec<Template>, StoreError> {
        let account = account_id.to_owned();
        self.read(move |c| templates::list(c, &account)).await
    }
    async fn update_template(
        &self,
        account_id: &str,
        template: &Template,
    ) -> Result<bool, StoreError> {
        let (account, template) = (account_id.to_owned(), template.clone());
        self.write(move |c| templates::update(c, &account, &template))
            .await
    }
    async fn delete_template(&self, account_id: &str, id: &str) -> Result<bool, StoreError> {
        let (account, id) = (account_id.to_owned(), id.to_owned());
        self.write(move |c| templates::delete(c, &account, &id))
            .await
    }

    async fn find_template(&self, id: &str) -> Result<Option<Template>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| templates::find(c, &id)).await
    }
    async fn template_by_subdomain(&self, subdomain: &str) -> Result<Option<Template>, StoreError> {
        let subdomain = subdomain.to_owned();
        self.read(move |c| templates::by_subdomain(c, &subdomain))
            .await
    }
    async fn templates_by_brand_domain(&self, domain: &str) -> Result<Vec<Template>, StoreError> {
        let domain = domain.to_owned();
        self.read(move |c| templates::by_brand_domain(c, &domain))
            .await
    }
    async fn apps_by_ids(&self, app_ids: &[String]) -> Result<Vec<App>, StoreError> {
        let ids = app_ids.to_vec();
        self.read(move |c| apps::by_ids(c, &ids)).await
    }

    async fn create_link(&self, link: &Link) -> Result<(), StoreError> {
        let link = link.clone();
        self.write(move |c| links::create(c, &link)).await
    }
    async fn create_links(
        &self,
        batch: &[Link],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let batch = batch.to_vec();
        self.write(move |c| links::create_many(c, &batch)).await
    }
    async fn get_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        let (t, s) = (template_id.clone(), id.clone());
        self.read(move |c| links::get(c, &t, &s, now)).await
    }
    async fn update_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        update: &LinkUpdate,
        now: Timestamp,
    ) -> Result<Option<Link>, StoreError> {
        let (t, s, u) = (template_id.clone(), id.clone(), update.clone());
        self.write(move |c| links::update(c, &t, &s, &u, now)).await
    }
    async fn delete_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (t, s) = (template_id.clone(), id.clone());
        self.write(move |c| links::delete(c, &t, &s, now)).await
    }
    async fn list_links(&self, query: &LinkQuery) -> Result<LinkPage, StoreError> {
        let query = query.clone();
        self.read(move |c| links::list(c, &query)).await
    }
    async fn renew_link(
        &self,
        template_id: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let (t, s) = (template_id.clone(), id.clone());
        self.write(move |c| links::renew(c, &t, &s, now)).await
    }
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        // Alone: the purge commits chunk by chunk, never holding others up long.
        self.writer
            .write_alone(move |c| links::purge_expired(c, now))
            .await
    }

    async fn record_clicks(&self, batch: &[Click]) -> Result<(), StoreError> {
        let batch = batch.to_vec();
        self.write(move |c| clicks::record(c, &batch)).await
    }
    async fn list_clicks(
        &self,
        template_id: &TemplateId,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Click>, StoreError> {
        let t = template_id.clone();
        self.read(move |c| clicks::list(c, &t, since, limit)).await
    }
    async fn attribution_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<Candidates, StoreError> {
        let q = query.clone();
        self.read(move |c| installs::candidates(c, &q)).await
    }
    async fn get_install(
        &self,
        app_id: &str,
        device_id: &str,
    ) -> Result<Option<Install>, StoreError> {
        let (app, device) = (app_id.to_owned(), device_id.to_owned());
        self.read(move |c| installs::get_install(c, &app, &device))
            .await
    }
    async fn create_install(&self, install: &Install) -> Result<bool, StoreError> {
        let install = install.clone();
        self.write(move |c| installs::create_install(c, &install))
            .await
    }
    async fn touch_install(
        &self,
        app_id: &str,
        device_id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (app, device) = (app_id.to_owned(), device_id.to_owned());
        self.write(move |c| installs::touch_install(c, &app, &device, at))
            .await
    }
    async fn record_reengagement(&self, reengagement: &Reengagement) -> Result<(), StoreError> {
        let r = reengagement.clone();
        self.write(move |c| installs::record_reengagement(c, &r))
            .await
    }
    async fn stats_rows(&self, query: &StatsQuery) -> Result<Vec<(Group, Counts)>, StoreError> {
        let q = query.clone();
        self.read(move |c| stats::stats_rows(c, &q)).await
    }
    async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        let (name, candidate) = (name.to_owned(), candidate.to_owned());
        self.write(move |c| clicks::secret(c, &name, &candidate))
            .await
    }

    async fn changes_since(&self, since: Option<i64>) -> Result<ChangeBatch, StoreError> {
        self.read(move |c| changes::since(c, since)).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.write(move |c| clicks::lease(c, &name, &holder, now, ttl_ms))
            .await
    }

    async fn charge_request(&self, account_id: &str, now: Timestamp) -> Result<Usage, StoreError> {
        let (this_second, today) = self.counters.charge_request(account_id, now);
        let today = match today {
            Some(used) => used,
            None => self.quota_used(account_id, now).await?,
        };
        Ok(Usage { this_second, today })
    }
    async fn charge_quota(
        &self,
        account_id: &str,
        now: Timestamp,
        units: u64,
    ) -> Result<u64, StoreError> {
        let id = account_id.to_owned();
        let used = self
            .write(move |c| usage::charge_quota(c, &id, now, units))
            .await?;
        self.counters.note_today(account_id, now, used);
        Ok(used)
    }
    async fn quota_used(&self, account_id: &str, now: Timestamp) -> Result<u64, StoreError> {
        if let Some(used) = self.counters.today(account_id, now) {
            return Ok(used);
        }
        let id = account_id.to_owned();
        let used = self.read(move |c| usage::quota_used(c, &id, now)).await?;
        self.counters.note_today(account_id, now, used);
        Ok(used)
    }
}
