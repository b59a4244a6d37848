//! Versioned schema migrations of the PostgreSQL store.
//!
//! Each migration runs once, in order, in its own transaction, and its
//! version is recorded in `schema_migrations`; a database newer than this
//! binary is refused rather than guessed at. Nodes starting together take
//! turns through a row lock on the one row of `schema_migrations_lock`
//! (`SELECT ... FOR UPDATE` inside the migration's transaction): the one
//! that waited then reads the version the other committed, and applies
//! nothing twice. Row locks are what CockroachDB and YugabyteDB support;
//! advisory locks are not.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, Transaction};

use super::error::Fail;
use crate::StoreError;

/// The migrations, in order: version and SQL. The versions match the
/// SQLite store's, one logical schema for both.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_clicks.sql")),
    (
        3,
        include_str!("../../migrations/postgres/0003_attribution.sql"),
    ),
    (4, include_str!("../../migrations/postgres/0004_leases.sql")),
    (
        5,
        include_str!("../../migrations/postgres/0005_changes.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_click_counts.sql"),
    ),
];

/// How often a step that lost a race (a concurrent bootstrap, a
/// serialization failure) is tried again.
const ATTEMPTS: u32 = 10;

const BOOTSTRAP: &str = "
    CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS schema_migrations_lock (id BIGINT PRIMARY KEY);
    INSERT INTO schema_migrations_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING;";

/// Brings the schema up to date; answers the versions applied now.
pub async fn migrate(client: &mut Client) -> Result<Vec<i64>, Fail> {
    // Two nodes creating the bookkeeping tables at once may collide in the
    // catalog; the loser finds them made when it tries again.
    let mut attempt = 1;
    while let Err(e) = client.batch_execute(BOOTSTRAP).await {
        if attempt >= ATTEMPTS || e.as_db_error().is_none() {
            return Err(e.into());
        }
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
    }
    let mut applied = Vec::new();
    let mut attempt = 1;
    loop {
        match step(client).await {
            Ok(Some(version)) => applied.push(version),
            Ok(None) => return Ok(applied),
            Err(f) if f.retryable() && attempt < ATTEMPTS => attempt += 1,
            Err(f) => return Err(f),
        }
    }
}

/// Applies the next migration, if any, in one transaction holding the
/// migration lock; answers its version. A failed step is rolled back before
/// it answers, so the lock is never left held.
async fn step(client: &mut Client) -> Result<Option<i64>, Fail> {
    let tx = client.transaction().await?;
    match apply_next(&tx).await {
        Ok(applied) => {
            tx.commit().await?;
            Ok(applied)
        }
        Err(f) => {
            let _ = tx.rollback().await;
            Err(f)
        }
    }
}

async fn apply_next(tx: &Transaction<'_>) -> Result<Option<i64>, Fail> {
    tx.query_one(
        "SELECT id FROM schema_migrations_lock WHERE id = 1 FOR UPDATE",
        &[],
    )
    .await?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > latest {
        return Err(StoreError::Internal(format!(
            "the database schema is at version {current}, newer than this binary knows ({latest}); run a newer waylink"
        ))
        .into());
    }
    let Some((version, sql)) = MIGRATIONS.iter().find(|(v, _)| *v > current) else {
        return Ok(None);
    };
    tx.batch_execute(sql).await?;
    let applied_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    tx.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
        &[version, &applied_at],
    )
    .await?;
    Ok(Some(*version))
}
