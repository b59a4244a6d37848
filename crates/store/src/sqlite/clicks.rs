//! Clicks, written in batches, and the links they renew.

use rusqlite::{Connection, OptionalExtension, Row, params};
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;

use crate::StoreError;

pub(super) const CLICK_COLUMNS: &str = "click_id, at, template_id, shortlink_id, data, device, os_version, device_model, referer, advertising_id, ip_hash, expired";

/// Stores a batch of clicks, adds the ones not already stored to the daily
/// counters and renews the live links they were on, in one transaction, so
/// that a batch is all in or all out.
pub fn record(c: &mut Connection, clicks: &[Click]) -> Result<(), StoreError> {
    let tx = c.savepoint()?;
    {
        let mut tally = super::click_counts::Tally::default();
        let mut insert = tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO clicks ({CLICK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))?;
        for click in clicks {
            let stored = insert.execute(params![
                click.click_id,
                click.at.as_millis(),
                click.template_id.as_str(),
                click.shortlink_id,
                serde_json::to_string(&click.data)?,
                click.device.as_str(),
                click.os_version,
                click.device_model,
                click.referer,
                click.advertising_id,
                click.ip_hash,
                click.expired
            ])?;
            // 0 when the click id is already stored: a retried batch.
            if stored == 1 {
                tally.add(click);
            }
        }
        tally.write(&tx)?;
    }
    {
        let mut renew = tx.prepare_cached(
            "UPDATE links SET expires_at = MAX(expires_at, ?4 + ttl_secs * 1000), updated_at = ?4
             WHERE template_id = ?1 AND shortlink_id = ?2 AND renew_ttl = 1 AND expires_at > ?3",
        )?;
        for (template, shortlink, first, last) in crate::renewals::renewals(clicks) {
            renew.execute(params![
                template,
                shortlink,
                first.as_millis(),
                last.as_millis()
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn click(row: &Row<'_>) -> rusqlite::Result<Result<Click, StoreError>> {
    let data: String = row.get(4)?;
    let device: String = row.get(5)?;
    let data = match serde_json::from_str(&data) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e.into())),
    };
    let Some(device) = DeviceKind::parse(&device) else {
        return Ok(Err(StoreError::Internal(format!(
            "unknown device kind {device:?} in a stored click"
        ))));
    };
    Ok(Ok(Click {
        click_id: row.get(0)?,
        at: Timestamp::from_millis(row.get(1)?),
        template_id: TemplateId::from_stored(row.get(2)?),
        shortlink_id: row.get(3)?,
        data,
        device,
        os_version: row.get(6)?,
        device_model: row.get(7)?,
        referer: row.get(8)?,
        advertising_id: row.get(9)?,
        ip_hash: row.get(10)?,
        expired: row.get(11)?,
    }))
}

/// Takes or renews a lease (see `Store::try_lease`).
pub fn lease(
    c: &mut Connection,
    name: &str,
    holder: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<bool, StoreError> {
    let n = c.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.expires_at <= ?3 OR leases.holder = excluded.holder",
        params![
            name,
            holder,
            now.as_millis(),
            now.as_millis().saturating_add(ttl_ms)
        ],
    )?;
    Ok(n == 1)
}

/// Clicks older than this are past every lookback window (30 days) plus a
/// day, and are purged.
pub const CLICK_RETENTION_MS: i64 = 31 * waylink_core::clock::DAY_MS;

/// Deletes clicks past [`CLICK_RETENTION_MS`], in chunks.
pub fn purge_old(c: &mut Connection, now: Timestamp) -> Result<(), StoreError> {
    let cutoff = now.as_millis() - CLICK_RETENTION_MS;
    while c.execute(
        "DELETE FROM clicks WHERE click_id IN (SELECT click_id FROM clicks WHERE at < ?1 LIMIT 5000)",
        [cutoff],
    )? > 0
    {}
    Ok(())
}

/// The clicks of a template at or after `since`, oldest first.
pub fn list(
    c: &Connection,
    template: &TemplateId,
    since: Timestamp,
    limit: usize,
) -> Result<Vec<Click>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CLICK_COLUMNS} FROM clicks WHERE template_id = ?1 AND at >= ?2 ORDER BY at, click_id LIMIT ?3"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    stmt.query_map(params![template.as_str(), since.as_millis(), limit], click)?
        .map(super::rows::flatten)
        .collect()
}

/// The secret called `name`: `candidate` is stored on first use. When
/// two writers race, the first stored value wins and both read it.
pub fn secret(c: &mut Connection, name: &str, candidate: &str) -> Result<String, StoreError> {
    c.execute(
        "INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)",
        params![name, candidate],
    )?;
    let value: Option<String> = c
        .query_row(
            "SELECT value FROM server_secrets WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?;
    value.ok_or_else(|| StoreError::Internal(format!("the secret {name} vanished")))
}
