//! Per-day quota counters of accounts (the per-second ones live in
//! memory, see `counters.rs`), and the purge of old counter rows.

use rusqlite::{Connection, OptionalExtension, params};
use waylink_core::clock::Timestamp;

use crate::StoreError;

/// Seconds of rate counters kept; older ones serve nobody.
const RATE_COUNTER_KEEP_SECS: i64 = 120;
/// Days of quota counters kept, for the operator's curiosity.
const QUOTA_COUNTER_KEEP_DAYS: i64 = 35;

pub fn charge_quota(
    c: &mut Connection,
    account_id: &str,
    now: Timestamp,
    units: u64,
) -> Result<u64, StoreError> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO quota_counters (account_id, day, used) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, day) DO UPDATE SET used = used + ?3 RETURNING used",
    )?;
    Ok(stmt.query_row(params![account_id, now.utc_day(), units], |row| row.get(0))?)
}

pub fn quota_used(c: &Connection, account_id: &str, now: Timestamp) -> Result<u64, StoreError> {
    used(c, account_id, now)
}

fn used(c: &Connection, account_id: &str, now: Timestamp) -> Result<u64, StoreError> {
    let used: Option<u64> = c
        .prepare_cached("SELECT used FROM quota_counters WHERE account_id = ?1 AND day = ?2")?
        .query_row(params![account_id, now.utc_day()], |row| row.get(0))
        .optional()?;
    Ok(used.unwrap_or(0))
}

pub fn purge_old_counters(c: &mut Connection, now: Timestamp) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM rate_counters WHERE second < ?1",
        [now.epoch_second() - RATE_COUNTER_KEEP_SECS],
    )?;
    c.execute(
        "DELETE FROM quota_counters WHERE day < ?1",
        [now.utc_day() - QUOTA_COUNTER_KEEP_DAYS],
    )?;
    Ok(())
}
