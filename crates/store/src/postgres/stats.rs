//! The fine-grained statistics rows of a template: counts per media
//! source, campaign, platform and UTC day, read with GROUP BY; clicks from
//! the daily click counters for whole days (see `click_counts.rs`).

use std::collections::BTreeMap;

use deadpool_postgres::Pool;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use waylink_core::stats::{Counts, Group};

use super::db::{day_of, get, opt_text, query, text, unsigned};
use super::error::Fail;
use super::text::{Txt, opt, txt};
use crate::StatsQuery;

type Rows = BTreeMap<Group, Counts>;

/// Runs `sql` (which selects pid, campaign, platform, day, then the
/// counts) and lets `add` put each row's counts in place.
async fn fold(
    c: &deadpool_postgres::Object,
    rows: &mut Rows,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    add: impl Fn(&mut Counts, &Row) -> Result<(), Fail>,
) -> Result<(), Fail> {
    for row in query(c, sql, params).await? {
        let key = Group {
            pid: opt_text(&row, 0)?,
            campaign: opt_text(&row, 1)?,
            platform: Some(text(&row, 2)?),
            day: Some(get(&row, 3)?),
        };
        add(rows.entry(key).or_default(), &row)?;
    }
    Ok(())
}

pub async fn stats_rows(pool: &Pool, q: &StatsQuery) -> Result<Vec<(Group, Counts)>, Fail> {
    let c = pool.get().await?;
    let mut rows = Rows::new();
    let (template, from, to) = (
        txt(q.template_id.as_str()),
        q.from.as_millis(),
        q.to.as_millis(),
    );
    let link = opt(q.shortlink_id.as_deref());
    let args: [&(dyn ToSql + Sync); 4] = [&template, &from, &to, &link];
    let in_range = |time: &str| {
        format!(
            "template_id = $1 AND {time} >= $2 AND {time} < $3 AND ($4::TEXT IS NULL OR shortlink_id = $4::TEXT)"
        )
    };
    // The clicks: the daily counters for the whole UTC days of the range,
    // the raw clicks for the partial days at its edges (raw clicks are
    // purged after 31 days; counters are kept).
    let split = crate::click_counts::split(from, to);
    if let Some(days) = split.days {
        super::click_counts::read(&c, q, days, &mut rows).await?;
    }
    for (from, to) in split.raw {
        fold(
            &c,
            &mut rows,
            &format!(
                "SELECT data ->> 'pid', data ->> 'c', device, {day}, COUNT(*), SUM(CASE WHEN expired THEN 1 ELSE 0 END)::BIGINT
                 FROM clicks WHERE {range}
                 GROUP BY 1, 2, 3, 4",
                day = day_of("at"),
                range = in_range("at"),
            ),
            &[&template, &from, &to, &link],
            |counts, row| {
                counts.clicks += unsigned(row, 4, "click count")?;
                counts.expired_clicks += unsigned(row, 5, "click count")?;
                Ok(())
            },
        )
        .await?;
    }
    fold(
        &c,
        &mut rows,
        &format!(
            "SELECT pid, campaign, platform, {day}, match_type, COUNT(*)
             FROM installs WHERE {range}
             GROUP BY 1, 2, 3, 4, 5",
            day = day_of("installed_at"),
            range = in_range("installed_at"),
        ),
        &args,
        |counts, row| {
            let n = unsigned(row, 5, "install count")?;
            match text(row, 4)?.as_str() {
                "referrer" => counts.installs_referrer += n,
                "id_matching" => counts.installs_id_matching += n,
                _ => counts.installs_probabilistic += n,
            }
            Ok(())
        },
    )
    .await?;
    fold(
        &c,
        &mut rows,
        &format!(
            "SELECT pid, campaign, platform, {day}, COUNT(*)
             FROM reengagements WHERE {range}
             GROUP BY 1, 2, 3, 4",
            day = day_of("at"),
            range = in_range("at"),
        ),
        &args,
        |counts, row| {
            counts.reengagements += unsigned(row, 4, "re-engagement count")?;
            Ok(())
        },
    )
    .await?;
    // Organic installs belong to no link: they count for the template's
    // apps as a whole, and only when no single link was asked for.
    if q.shortlink_id.is_none() && !q.app_ids.is_empty() {
        let apps: Vec<Txt<'_>> = q.app_ids.iter().map(|id| txt(id)).collect();
        fold(
            &c,
            &mut rows,
            &format!(
                "SELECT NULL::TEXT, NULL::TEXT, platform, {day}, COUNT(*)
                 FROM installs WHERE match_type IS NULL AND installed_at >= $1 AND installed_at < $2 AND app_id = ANY($3)
                 GROUP BY 3, 4",
                day = day_of("installed_at"),
            ),
            &[&from, &to, &apps],
            |counts, row| {
                counts.organic_installs += unsigned(row, 4, "install count")?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(rows.into_iter().collect())
}
