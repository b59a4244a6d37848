//! The daily click counters of the PostgreSQL store (see
//! `crate::click_counts`): added to by the statements that store a batch
//! of clicks, read for the whole days of a statistics range.

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use waylink_core::stats::{Counts, Group};

use super::db::{day_of, execute, get, query, text, unsigned};
use super::error::Fail;
use super::text::txt;
use crate::StatsQuery;
use crate::click_counts::{ABSENT_CAMPAIGN, ABSENT_PID};

/// `insert`, an `INSERT INTO clicks ... ON CONFLICT (click_id) DO NOTHING`,
/// made one statement that also adds the clicks it inserted to the
/// counters of their links, and answers what they add to the counters of
/// their templates (for [`add_to_templates`]), one row per counter row.
///
/// Only the rows the insert returns are counted, so a click id already
/// stored (a retried batch) counts once. The batch is summed per counter
/// row before the upsert, so a batch on a few links costs a few row
/// updates. Rows are upserted in key order, links before templates, so
/// that two batches sharing rows lock them in the same order; that is why
/// the template counters are a second statement: the sub-statements of
/// one statement run in no promised order.
pub fn with_counters(insert: &str) -> String {
    format!(
        "WITH stored AS (
             {insert}
             RETURNING template_id, shortlink_id, at, data ->> 'pid' AS pid, data ->> 'c' AS campaign, device, expired
         ), counted AS (
             SELECT template_id, shortlink_id, {day} AS day, COALESCE(pid, '') AS pid,
                    COALESCE(campaign, '') AS campaign, device,
                    ((CASE WHEN pid IS NULL THEN {ABSENT_PID} ELSE 0 END)
                      + (CASE WHEN campaign IS NULL THEN {ABSENT_CAMPAIGN} ELSE 0 END))::BIGINT AS absent,
                    CASE WHEN expired THEN 1 ELSE 0 END AS expired
             FROM stored WHERE at >= 0
         ), by_link AS (
             INSERT INTO link_click_counts (template_id, shortlink_id, day, pid, campaign, device, absent, clicks, expired)
             SELECT template_id, shortlink_id, day, pid, campaign, device, absent, COUNT(*), SUM(expired)
             FROM counted WHERE shortlink_id IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5, 6, 7
             ORDER BY 1, 2, 3, 4, 5, 6, 7
             ON CONFLICT (template_id, shortlink_id, day, pid, campaign, device, absent) DO UPDATE SET
                clicks = link_click_counts.clicks + excluded.clicks,
                expired = link_click_counts.expired + excluded.expired
         )
         SELECT template_id, day, pid, campaign, device, absent, COUNT(*)::BIGINT, SUM(expired)::BIGINT
         FROM counted
         GROUP BY 1, 2, 3, 4, 5, 6
         ORDER BY 1, 2, 3, 4, 5, 6",
        day = day_of("at"),
    )
}

/// Adds the rows [`with_counters`] answered to the counters of the
/// templates, in the order given. The text comes back as stored, so it is
/// written back as it is, not encoded again.
pub async fn add_to_templates<C: GenericClient>(
    c: &C,
    counted: &[tokio_postgres::Row],
) -> Result<(), Fail> {
    if counted.is_empty() {
        return Ok(());
    }
    let column =
        |i: usize| -> Result<Vec<String>, Fail> { counted.iter().map(|r| get(r, i)).collect() };
    let number =
        |i: usize| -> Result<Vec<i64>, Fail> { counted.iter().map(|r| get(r, i)).collect() };
    let (templates, days, pids, campaigns) = (column(0)?, number(1)?, column(2)?, column(3)?);
    let (devices, absent, clicks, expired) = (column(4)?, number(5)?, number(6)?, number(7)?);
    execute(
        c,
        "INSERT INTO click_counts (template_id, day, pid, campaign, device, absent, clicks, expired)
         SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                              $6::BIGINT[], $7::BIGINT[], $8::BIGINT[])
         ON CONFLICT (template_id, day, pid, campaign, device, absent) DO UPDATE SET
            clicks = click_counts.clicks + excluded.clicks,
            expired = click_counts.expired + excluded.expired",
        &[
            &templates, &days, &pids, &campaigns, &devices, &absent, &clicks, &expired,
        ],
    )
    .await?;
    Ok(())
}

/// Adds the counters of the template (or of its one short link) on the UTC
/// days `[first, end)` to `rows`. Each counter row is one statistics group.
pub async fn read(
    c: &deadpool_postgres::Object,
    q: &StatsQuery,
    (first, end): (i64, i64),
    rows: &mut BTreeMap<Group, Counts>,
) -> Result<(), Fail> {
    const COLUMNS: &str = "pid, campaign, device, day, absent, clicks, expired";
    let template = txt(q.template_id.as_str());
    let found = match q.shortlink_id.as_deref() {
        None => {
            let sql = format!(
                "SELECT {COLUMNS} FROM click_counts WHERE template_id = $1 AND day >= $2 AND day < $3"
            );
            query(c, &sql, &[&template, &first, &end]).await?
        }
        Some(link) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM link_click_counts
                 WHERE template_id = $1 AND shortlink_id = $4 AND day >= $2 AND day < $3"
            );
            let link = txt(link);
            let args: [&(dyn ToSql + Sync); 4] = [&template, &first, &end, &link];
            query(c, &sql, &args).await?
        }
    };
    for row in found {
        let group = crate::click_counts::group(
            text(&row, 0)?,
            text(&row, 1)?,
            text(&row, 2)?,
            get(&row, 3)?,
            get(&row, 4)?,
        );
        let counts = rows.entry(group).or_default();
        counts.clicks += unsigned(&row, 5, "click count")?;
        counts.expired_clicks += unsigned(&row, 6, "click count")?;
    }
    Ok(())
}
