//! The shared store: a PostgreSQL database that several `serve` processes
//! may use at once, as one service.
//!
//! Every decision that must hold across nodes is made by the database in
//! one statement or one transaction: an expired link id is taken over by
//! an `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` that a live row
//! refuses, counters are upserts that answer their new value, installs and
//! secrets are first-writer-wins inserts, and template writes that check
//! before they write run SERIALIZABLE. Nothing relies on LISTEN/NOTIFY,
//! advisory locks or triggers, so the schema also suits the distributed
//! engines that speak PostgreSQL's protocol (CockroachDB, YugabyteDB,
//! Citus). A transaction the database aborts for a serialization failure
//! or a deadlock rolled back whole, and is run again.
//!
//! Times are milliseconds from the caller's clock, never the database's.
//! Text is stored exactly, U+0000 included (see `text.rs`). Ties in an
//! ordering by text (two links made in the same millisecond) follow the
//! database's collation: byte order, as in SQLite, under the `C`
//! collations and on CockroachDB.
//!
//! A write is acknowledged only after PostgreSQL committed it, so its
//! durability is the server's (`synchronous_commit` and replication).

mod accounts;
mod apps;
mod changes;
mod click_counts;
mod clicks;
mod db;
mod error;
mod installs;
mod links;
mod migrations;
mod scratch;
mod stats;
mod store;
mod templates;
mod text;
mod usage;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, Pool, Runtime};
use tokio_postgres::{Config, NoTls};

use crate::StoreError;

pub use scratch::{ScratchSchema, TEST_DATABASE_URL, test_database_url};

/// How long a caller waits for a connection, and a connection for the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one operation may take unless the caller sets its own limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    timeout: Duration,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("max_size", &status.max_size)
            .field("size", &status.size)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`,
    /// optionally with `?options=-c search_path=...`), brings its schema up
    /// to date and keeps up to `pool_size` connections.
    pub async fn connect(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        Self::open(config(url, None)?, pool_size).await
    }

    /// [`PostgresStore::connect`] with every table in `schema`, which must
    /// exist: how tests keep to a scratch schema of their own.
    pub async fn connect_with_schema(
        url: &str,
        schema: &str,
        pool_size: usize,
    ) -> Result<Self, StoreError> {
        Self::open(config(url, Some(schema))?, pool_size).await
    }

    /// Brings the schema of the database at `url` up to date; answers the
    /// versions applied.
    pub async fn migrate(url: &str) -> Result<Vec<i64>, StoreError> {
        migrate(&config(url, None)?).await
    }

    async fn open(config: Config, pool_size: usize) -> Result<Self, StoreError> {
        migrate(&config).await?;
        let pool = Pool::builder(Manager::new(config, NoTls))
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot make the connection pool: {e}")))?;
        Ok(PostgresStore {
            pool,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same store, with every operation (waiting for a connection,
    /// retries included) cut off after `timeout` as
    /// [`StoreError::Unavailable`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The connection settings of `url`, with the search path set to `schema`
/// when one is given. The URL is never repeated in errors: it may hold a
/// password.
fn config(url: &str, schema: Option<&str>) -> Result<Config, StoreError> {
    let mut config = Config::from_str(url)
        .map_err(|e| StoreError::Internal(format!("the database URL is not valid: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    // A peer that vanished without closing the connection (a cut network)
    // is noticed by the kernel within seconds instead of hours.
    config.keepalives_idle(Duration::from_secs(5));
    config.keepalives_interval(Duration::from_secs(2));
    config.keepalives_retries(3);
    config.tcp_user_timeout(Duration::from_secs(15));
    if config.get_application_name().is_none() {
        config.application_name("waylink");
    }
    if let Some(schema) = schema {
        let simple = !schema.is_empty()
            && schema.len() <= 63
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !simple {
            return Err(StoreError::Internal(format!(
                "the schema name {schema:?} must be lower-case letters, digits and '_'"
            )));
        }
        let options = match config.get_options() {
            Some(given) => format!("{given} -c search_path={schema}"),
            None => format!("-c search_path={schema}"),
        };
        config.options(options);
    }
    Ok(config)
}

/// Connects once, outside the pool.
async fn connect_once(config: &Config) -> Result<tokio_postgres::Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await.map_err(|e| {
        let host = config
            .get_hosts()
            .first()
            .map(|h| format!("{h:?}"))
            .unwrap_or_default();
        match error::from_pg(&e) {
            StoreError::Internal(m) | StoreError::Unavailable(m) => {
                StoreError::Unavailable(format!("cannot connect to PostgreSQL {host}: {m}"))
            }
            other => other,
        }
    })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a PostgreSQL connection ended with an error");
        }
    });
    Ok(client)
}

/// Applies the pending migrations over a connection of its own, so that no
/// pooled connection holds statements prepared against an older schema.
async fn migrate(config: &Config) -> Result<Vec<i64>, StoreError> {
    let mut client = connect_once(config).await?;
    Ok(migrations::migrate(&mut client).await?)
}
