//! Per-second and per-day usage counters of accounts, counted in the
//! database so that every node sharing it counts against the same limits.
//! Each charge is one upsert that adds and reads back in one statement, so
//! two nodes charging at once each see their own, distinct total.

use deadpool_postgres::{GenericClient, Pool};
use waylink_core::clock::Timestamp;
use waylink_core::quota::Usage;

use super::db::{bigint, execute, query_one, query_opt, unsigned};
use super::error::Fail;
use super::text::txt;

/// Seconds of rate counters kept; older ones serve nobody.
const RATE_COUNTER_KEEP_SECS: i64 = 120;
/// Days of quota counters kept, for the operator's curiosity.
const QUOTA_COUNTER_KEEP_DAYS: i64 = 35;

pub async fn charge_request(pool: &Pool, account_id: &str, now: Timestamp) -> Result<Usage, Fail> {
    let c = pool.get().await?;
    let row = query_one(
        &c,
        "WITH charged AS (
            INSERT INTO rate_counters (account_id, second, count) VALUES ($1, $2, 1)
            ON CONFLICT (account_id, second) DO UPDATE SET count = rate_counters.count + 1
            RETURNING count
         )
         SELECT charged.count,
                COALESCE((SELECT used FROM quota_counters WHERE account_id = $1 AND day = $3), 0)
         FROM charged",
        &[&txt(account_id), &now.epoch_second(), &now.utc_day()],
    )
    .await?;
    Ok(Usage {
        this_second: unsigned(&row, 0, "request count")?,
        today: unsigned(&row, 1, "quota count")?,
    })
}

pub async fn charge_quota(
    pool: &Pool,
    account_id: &str,
    now: Timestamp,
    units: u64,
) -> Result<u64, Fail> {
    let units = bigint(units, "quota charge")?;
    let c = pool.get().await?;
    let row = query_one(
        &c,
        "INSERT INTO quota_counters (account_id, day, used) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, day) DO UPDATE SET used = quota_counters.used + excluded.used
         RETURNING used",
        &[&txt(account_id), &now.utc_day(), &units],
    )
    .await?;
    unsigned(&row, 0, "quota count")
}

/// A trivial query, for readiness.
pub async fn ping(pool: &Pool) -> Result<(), Fail> {
    let c = pool.get().await?;
    query_opt(&c, "SELECT 1", &[]).await?;
    Ok(())
}

pub async fn quota_used(pool: &Pool, account_id: &str, now: Timestamp) -> Result<u64, Fail> {
    let c = pool.get().await?;
    let row = query_opt(
        &c,
        "SELECT used FROM quota_counters WHERE account_id = $1 AND day = $2",
        &[&txt(account_id), &now.utc_day()],
    )
    .await?;
    match row {
        Some(row) => unsigned(&row, 0, "quota count"),
        None => Ok(0),
    }
}

pub async fn purge_old_counters<C: GenericClient>(c: &C, now: Timestamp) -> Result<(), Fail> {
    execute(
        c,
        "DELETE FROM rate_counters WHERE second < $1",
        &[&(now.epoch_second() - RATE_COUNTER_KEEP_SECS)],
    )
    .await?;
    execute(
        c,
        "DELETE FROM quota_counters WHERE day < $1",
        &[&(now.utc_day() - QUOTA_COUNTER_KEEP_DAYS)],
    )
    .await?;
    Ok(())
}
