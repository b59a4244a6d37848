//! Versioned schema migrations of the embedded store.
//!
//! Each migration runs once, in order, in its own transaction, and its
//! version is recorded in `schema_migrations`; a database newer than this
//! binary is refused rather than guessed at.

use rusqlite::Connection;

use crate::StoreError;

/// The migrations, in order: version and SQL.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_clicks.sql")),
    (
        3,
        include_str!("../../migrations/sqlite/0003_attribution.sql"),
    ),
    (4, include_str!("../../migrations/sqlite/0004_leases.sql")),
    (5, include_str!("../../migrations/sqlite/0005_changes.sql")),
    (
        6,
        include_str!("../../migrations/sqlite/0006_click_counts.sql"),
    ),
];

/// Brings the schema up to date; answers the versions applied now.
pub fn migrate(conn: &mut Connection) -> Result<Vec<i64>, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?;
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > latest {
        return Err(StoreError::Internal(format!(
            "the database schema is at version {current}, newer than this binary knows ({latest}); run a newer waylink"
        )));
    }
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, strftime('%s','now') * 1000)",
            [version],
        )?;
        tx.commit()?;
        applied.push(*version);
    }
    Ok(applied)
}
