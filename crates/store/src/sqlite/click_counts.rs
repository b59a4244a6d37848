//! The daily click counters of the embedded store (see
//! `crate::click_counts`): added to in the transaction of each batch of
//! clicks, read for the whole days of a statistics range.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use waylink_core::click::Click;
use waylink_core::stats::{Counts, Group};

use crate::click_counts::{absent_bits, counter_day};
use crate::{StatsQuery, StoreError};

/// The key of one `click_counts` row (the template's), borrowed from the
/// batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    template: &'a str,
    day: i64,
    pid: Option<&'a str>,
    campaign: Option<&'a str>,
    device: &'a str,
}

/// What a batch adds to the counters, summed per counter row in memory so
/// that a batch of thousands of clicks on a few links costs a few upserts.
#[derive(Debug, Default)]
pub struct Tally<'a> {
    templates: BTreeMap<Key<'a>, (i64, i64)>,
    links: BTreeMap<(&'a str, Key<'a>), (i64, i64)>,
}

impl<'a> Tally<'a> {
    /// Counts `click`, which the batch has just stored (a click already
    /// stored is not passed here, so a retried batch counts once).
    pub fn add(&mut self, click: &'a Click) {
        let Some(day) = counter_day(click.at.as_millis()) else {
            return;
        };
        let key = Key {
            template: click.template_id.as_str(),
            day,
            pid: click.data.get("pid").map(String::as_str),
            campaign: click.data.get("c").map(String::as_str),
            device: click.device.as_str(),
        };
        let expired = i64::from(click.expired);
        let count = |counts: &mut (i64, i64)| {
            counts.0 += 1;
            counts.1 += expired;
        };
        count(self.templates.entry(key).or_default());
        if let Some(link) = click.shortlink_id.as_deref() {
            count(self.links.entry((link, key)).or_default());
        }
    }

    /// Adds the tally to the counters: one upsert per counter row.
    pub fn write(&self, c: &Connection) -> Result<(), StoreError> {
        let mut upsert = c.prepare_cached(
            "INSERT INTO click_counts (template_id, day, pid, campaign, device, absent, clicks, expired)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (template_id, day, pid, campaign, device, absent) DO UPDATE SET
                clicks = clicks + excluded.clicks, expired = expired + excluded.expired",
        )?;
        for (key, (clicks, expired)) in &self.templates {
            upsert.execute(params![
                key.template,
                key.day,
                key.pid.unwrap_or_default(),
                key.campaign.unwrap_or_default(),
                key.device,
                absent_bits(key.pid, key.campaign),
                clicks,
                expired
            ])?;
        }
        let mut upsert = c.prepare_cached(
            "INSERT INTO link_click_counts (template_id, shortlink_id, day, pid, campaign, device, absent, clicks, expired)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (template_id, shortlink_id, day, pid, campaign, device, absent) DO UPDATE SET
                clicks = clicks + excluded.clicks, expired = expired + excluded.expired",
        )?;
        for ((link, key), (clicks, expired)) in &self.links {
            upsert.execute(params![
                key.template,
                link,
                key.day,
                key.pid.unwrap_or_default(),
                key.campaign.unwrap_or_default(),
                key.device,
                absent_bits(key.pid, key.campaign),
                clicks,
                expired
            ])?;
        }
        Ok(())
    }
}

/// Adds the counters of the template (or of its one short link) on the UTC
/// days `[first, end)` to `rows`. Each counter row is one statistics group.
pub fn read(
    c: &Connection,
    q: &StatsQuery,
    (first, end): (i64, i64),
    rows: &mut BTreeMap<Group, Counts>,
) -> Result<(), StoreError> {
    const COLUMNS: &str = "pid, campaign, device, day, absent, clicks, expired";
    let mut stmt;
    let mut result = match &q.shortlink_id {
        None => {
            stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM click_counts WHERE template_id = ?1 AND day >= ?2 AND day < ?3"
            ))?;
            stmt.query(params![q.template_id.as_str(), first, end])?
        }
        Some(link) => {
            stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM link_click_counts
                 WHERE template_id = ?1 AND shortlink_id = ?4 AND day >= ?2 AND day < ?3"
            ))?;
            stmt.query(params![q.template_id.as_str(), first, end, link])?
        }
    };
    while let Some(row) = result.next()? {
        let group = crate::click_counts::group(
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        );
        let counts = rows.entry(group).or_default();
        counts.clicks += row.get::<_, u64>(5)?;
        counts.expired_clicks += row.get::<_, u64>(6)?;
    }
    Ok(())
}
