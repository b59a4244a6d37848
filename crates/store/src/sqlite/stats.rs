//! The fine-grained statistics rows of a template: counts per media
//! source, campaign, platform and UTC day, read with GROUP BY; clicks from
//! the daily click counters for whole days (see `click_counts.rs`).

use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};
use waylink_core::clock::DAY_MS;
use waylink_core::stats::{Counts, Group};

use crate::{StatsQuery, StoreError};

type Rows = BTreeMap<Group, Counts>;

fn group(pid: Option<String>, campaign: Option<String>, platform: String, day: i64) -> Group {
    Group {
        pid,
        campaign,
        platform: Some(platform),
        day: Some(day),
    }
}

/// Runs `sql` (which selects pid, campaign, platform, day, then the counts)
/// with the template, the time range and the optional short link bound as
/// ?1..?4, and lets `add` put each row's counts in place.
fn fold(
    c: &Connection,
    rows: &mut Rows,
    sql: &str,
    args: &[SqlValue],
    add: impl Fn(&mut Counts, &rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), StoreError> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut result = stmt.query(params_from_iter(args.iter()))?;
    while let Some(row) = result.next()? {
        let key = group(row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        add(rows.entry(key).or_default(), row)?;
    }
    Ok(())
}

/// Adds the clicks of the range: the daily counters for its whole UTC
/// days, the raw clicks for the partial days at its edges (raw clicks are
/// purged after 31 days; counters are kept).
fn clicks(c: &Connection, q: &StatsQuery, rows: &mut Rows) -> Result<(), StoreError> {
    let split = crate::click_counts::split(q.from.as_millis(), q.to.as_millis());
    if let Some(days) = split.days {
        super::click_counts::read(c, q, days, rows)?;
    }
    for (from, to) in split.raw {
        let args = [
            SqlValue::Text(q.template_id.as_str().to_owned()),
            SqlValue::Integer(from),
            SqlValue::Integer(to),
            q.shortlink_id
                .clone()
                .map_or(SqlValue::Null, SqlValue::Text),
        ];
        fold(
            c,
            rows,
            &format!(
                "SELECT json_extract(data, '$.pid'), json_extract(data, '$.c'), device, at / {DAY_MS}, COUNT(*), SUM(expired)
                 FROM clicks WHERE template_id = ?1 AND at >= ?2 AND at < ?3 AND (?4 IS NULL OR shortlink_id = ?4)
                 GROUP BY 1, 2, 3, 4"
            ),
            &args,
            |counts, row| {
                counts.clicks += row.get::<_, u64>(4)?;
                counts.expired_clicks += row.get::<_, u64>(5)?;
                Ok(())
            },
        )?;
    }
    Ok(())
}

pub fn stats_rows(c: &Connection, q: &StatsQuery) -> Result<Vec<(Group, Counts)>, StoreError> {
    let mut rows = Rows::new();
    let args = [
        SqlValue::Text(q.template_id.as_str().to_owned()),
        SqlValue::Integer(q.from.as_millis()),
        SqlValue::Integer(q.to.as_millis()),
        q.shortlink_id
            .clone()
            .map_or(SqlValue::Null, SqlValue::Text),
    ];
    clicks(c, q, &mut rows)?;
    fold(
        c,
        &mut rows,
        &format!(
            "SELECT pid, campaign, platform, installed_at / {DAY_MS}, match_type, COUNT(*)
             FROM installs WHERE template_id = ?1 AND installed_at >= ?2 AND installed_at < ?3 AND (?4 IS NULL OR shortlink_id = ?4)
             GROUP BY 1, 2, 3, 4, 5"
        ),
        &args,
        |counts, row| {
            let n: u64 = row.get(5)?;
            match row.get::<_, String>(4)?.as_str() {
                "referrer" => counts.installs_referrer += n,
                "id_matching" => counts.installs_id_matching += n,
                _ => counts.installs_probabilistic += n,
            }
            Ok(())
        },
    )?;
    fold(
        c,
        &mut rows,
        &format!(
            "SELECT pid, campaign, platform, at / {DAY_MS}, COUNT(*)
             FROM reengagements WHERE template_id = ?1 AND at >= ?2 AND at < ?3 AND (?4 IS NULL OR shortlink_id = ?4)
             GROUP BY 1, 2, 3, 4"
        ),
        &args,
        |counts, row| {
            counts.reengagements += row.get::<_, u64>(4)?;
            Ok(())
        },
    )?;
    // Organic installs belong to no link: they count for the template's
    // apps as a whole, and only when no single link was asked for.
    if q.shortlink_id.is_none() {
        let mut app_args: Vec<SqlValue> = vec![
            SqlValue::Integer(q.from.as_millis()),
            SqlValue::Integer(q.to.as_millis()),
        ];
        let placeholders: Vec<String> = q
            .app_ids
            .iter()
            .map(|id| {
                app_args.push(SqlValue::Text(id.clone()));
                format!("?{}", app_args.len())
            })
            .collect();
        if !placeholders.is_empty() {
            fold(
                c,
                &mut rows,
                &format!(
                    "SELECT NULL, NULL, platform, installed_at / {DAY_MS}, COUNT(*)
                     FROM installs WHERE match_type IS NULL AND installed_at >= ?1 AND installed_at < ?2 AND app_id IN ({})
                     GROUP BY 3, 4",
                    placeholders.join(", ")
                ),
                &app_args,
                |counts, row| {
                    counts.organic_installs += row.get::<_, u64>(4)?;
                    Ok(())
                },
            )?;
        }
    }
    Ok(rows.into_iter().collect())
}
