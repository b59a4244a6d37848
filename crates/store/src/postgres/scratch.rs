//! For tests: a PostgreSQL schema of one test's own, dropped after it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{PostgresStore, config, connect_once};
use crate::StoreError;

/// The environment variable naming the PostgreSQL server tests may use
/// (`postgres://postgres@127.0.0.1:5432/postgres`); without it, PostgreSQL
/// tests are skipped.
pub const TEST_DATABASE_URL: &str = "WAYLINK_TEST_DATABASE_URL";

/// The URL in [`TEST_DATABASE_URL`], when it is set and not empty.
pub fn test_database_url() -> Option<String> {
    std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A fresh schema `wl_test_<random>`, dropped with everything in it when
/// this value is dropped, even by a failing test.
#[derive(Debug)]
pub struct ScratchSchema {
    url: String,
    name: String,
}

impl ScratchSchema {
    /// Creates a new, empty schema in the database at `url`.
    pub async fn create(url: &str) -> Result<Self, StoreError> {
        let name = format!("wl_test_{:016x}", random());
        let client = connect_once(&config(url, None)?).await?;
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .map_err(|e| super::error::from_pg(&e))?;
        Ok(ScratchSchema {
            url: url.to_owned(),
            name,
        })
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A store whose tables live in this schema. Its connections carry the
    /// schema's name as their application name, so that the cleanup can
    /// end those a test left behind.
    pub async fn store(&self, pool_size: usize) -> Result<PostgresStore, StoreError> {
        let mut config = config(&self.url, Some(&self.name))?;
        config.application_name(&self.name);
        PostgresStore::open(config, pool_size).await
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        // Drop may run inside an async runtime, which must not block on
        // another; a thread of its own runs the cleanup to the end. The
        // runtime it blocks meanwhile may own connections of the test still
        // in a transaction (a rollback not sent yet): those are ended
        // first, or the DROP would wait for their locks forever.
        let (url, name) = (self.url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let client = connect_once(&config(&url, None).map_err(|e| e.to_string())?)
                    .await
                    .map_err(|e| e.to_string())?;
                client
                    .execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                        &[&name],
                    )
                    .await
                    .map_err(|e| super::error::from_pg(&e).to_string())?;
                client
                    .batch_execute(&format!(
                        "SET lock_timeout = '30s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                    ))
                    .await
                    .map_err(|e| super::error::from_pg(&e).to_string())
            })
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("the scratch schema {} was not dropped: {e}", self.name),
            Err(_) => eprintln!("dropping the scratch schema {} panicked", self.name),
        }
    }
}

/// 64 random bits, from the standard library's per-process random keys
/// and a counter.
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}
