//! Clicks, written in batches, the links they renew, and server secrets.

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;

use super::db::{execute, get, limit, opt_text, query, query_opt, text, time};
use super::error::Fail;
use super::text::{json_map, opt, read_map, txt};
use crate::StoreError;

pub(super) const CLICK_COLUMNS: &str = "click_id, at, template_id, shortlink_id, data, device, os_version, device_model, referer, advertising_id, ip_hash, expired";

/// Clicks older than this are past every lookback window (30 days) plus a
/// day, and are purged.
pub const CLICK_RETENTION_MS: i64 = 31 * waylink_core::clock::DAY_MS;

/// Stores a batch of clicks and renews the live links they were on, in one
/// transaction, so that a batch is all in or all out.
pub async fn record(pool: &Pool, clicks: &[Click]) -> Result<(), Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let insert = format!(
        "INSERT INTO clicks ({CLICK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (click_id) DO NOTHING"
    );
    for click in clicks {
        execute(
            &tx,
            &insert,
            &[
                &txt(&click.click_id),
                &click.at.as_millis(),
                &txt(click.template_id.as_str()),
                &opt(click.shortlink_id.as_deref()),
                &json_map(&click.data),
                &txt(click.device.as_str()),
                &opt(click.os_version.as_deref()),
                &opt(click.device_model.as_deref()),
                &opt(click.referer.as_deref()),
                &opt(click.advertising_id.as_deref()),
                &opt(click.ip_hash.as_deref()),
                &click.expired,
            ],
        )
        .await?;
    }
    // Links are renewed in key order, so that two batches renewing the same
    // links lock them in the same order; the sort is stable, so the clicks
    // on one link keep theirs.
    let mut renewals: Vec<(&str, &str, Timestamp)> = clicks
        .iter()
        .filter(|c| !c.expired)
        .filter_map(|c| {
            let sid = c.shortlink_id.as_deref()?;
            Some((c.template_id.as_str(), sid, c.at))
        })
        .collect();
    renewals.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (template, sid, at) in renewals {
        super::links::renew(&tx, template, sid, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A `clicks` row selected with [`CLICK_COLUMNS`].
pub(super) fn click(row: &Row) -> Result<Click, Fail> {
    let device = text(row, 5)?;
    let Some(device) = DeviceKind::parse(&device) else {
        return Err(StoreError::Internal(format!(
            "unknown device kind {device:?} in a stored click"
        ))
        .into());
    };
    Ok(Click {
        click_id: text(row, 0)?,
        at: time(row, 1)?,
        template_id: TemplateId::from_stored(text(row, 2)?),
        shortlink_id: opt_text(row, 3)?,
        data: read_map(get(row, 4)?)?,
        device,
        os_version: opt_text(row, 6)?,
        device_model: opt_text(row, 7)?,
        referer: opt_text(row, 8)?,
        advertising_id: opt_text(row, 9)?,
        ip_hash: opt_text(row, 10)?,
        expired: get(row, 11)?,
    })
}

/// Deletes clicks past [`CLICK_RETENTION_MS`], in chunks.
pub async fn purge_old<C: GenericClient>(c: &C, now: Timestamp) -> Result<(), Fail> {
    let cutoff = now.as_millis() - CLICK_RETENTION_MS;
    while execute(
        c,
        "DELETE FROM clicks WHERE click_id IN (SELECT click_id FROM clicks WHERE at < $1 LIMIT 5000)",
        &[&cutoff],
    )
    .await?
        > 0
    {}
    Ok(())
}

/// The clicks of a template at or after `since`, oldest first.
pub async fn list(
    pool: &Pool,
    template: &TemplateId,
    since: Timestamp,
    n: usize,
) -> Result<Vec<Click>, Fail> {
    let c = pool.get().await?;
    let sql = format!(
        "SELECT {CLICK_COLUMNS} FROM clicks WHERE template_id = $1 AND at >= $2 ORDER BY at, click_id LIMIT $3"
    );
    query(
        &c,
        &sql,
        &[&txt(template.as_str()), &since.as_millis(), &limit(n)],
    )
    .await?
    .iter()
    .map(click)
    .collect()
}

/// The secret called `name`: `candidate` is stored on first use. When
/// two nodes race, the first stored value wins and both read it.
/// Takes or renews a lease (see `Store::try_lease`).
pub async fn lease(
    pool: &Pool,
    name: &str,
    holder: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<bool, Fail> {
    let c = pool.get().await?;
    let n = execute(
        &c,
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.expires_at <= $3 OR leases.holder = excluded.holder",
        &[
            &txt(name),
            &txt(holder),
            &now.as_millis(),
            &now.as_millis().saturating_add(ttl_ms),
        ],
    )
    .await?;
    Ok(n == 1)
}

pub async fn secret(pool: &Pool, name: &str, candidate: &str) -> Result<String, Fail> {
    let c = pool.get().await?;
    execute(
        &c,
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&txt(name), &txt(candidate)],
    )
    .await?;
    let row = query_opt(
        &c,
        "SELECT value FROM server_secrets WHERE name = $1",
        &[&txt(name)],
    )
    .await?;
    match row {
        Some(row) => text(&row, 0),
        None => Err(StoreError::Internal(format!("the secret {name} vanished")).into()),
    }
}
