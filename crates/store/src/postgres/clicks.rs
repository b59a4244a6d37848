//! Clicks, written in batches, the links they renew, and server secrets.

use deadpool_postgres::{GenericClient, Pool};
use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::types::Json;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;

use super::db::{execute, get, limit, opt_text, query, query_opt, text, time};
use super::error::Fail;
use super::text::{Txt, json_map, opt, read_map, txt};
use crate::StoreError;

pub(super) const CLICK_COLUMNS: &str = "click_id, at, template_id, shortlink_id, data, device, os_version, device_model, referer, advertising_id, ip_hash, expired";

/// Clicks older than this are past every lookback window (30 days) plus a
/// day, and are purged.
pub const CLICK_RETENTION_MS: i64 = 31 * waylink_core::clock::DAY_MS;

/// Stores a batch of clicks, adds the ones not already stored to the daily
/// counters and renews the live links they were on, in one transaction, so
/// that a batch is all in or all out: one statement for the clicks and
/// their links' counters, one for their templates' counters and one for
/// the renewals, each taking its rows as arrays (a round trip per click
/// would cap a node at a few thousand clicks a second).
pub async fn record(pool: &Pool, clicks: &[Click]) -> Result<(), Fail> {
    let column = |f: fn(&Click) -> Option<&str>| -> Vec<Option<Txt<'_>>> {
        clicks.iter().map(|c| opt(f(c))).collect()
    };
    let ids: Vec<Txt<'_>> = clicks.iter().map(|c| txt(&c.click_id)).collect();
    let ats: Vec<i64> = clicks.iter().map(|c| c.at.as_millis()).collect();
    let templates: Vec<Txt<'_>> = clicks.iter().map(|c| txt(c.template_id.as_str())).collect();
    let shortlinks = column(|c| c.shortlink_id.as_deref());
    let data: Vec<Json<Value>> = clicks.iter().map(|c| json_map(&c.data)).collect();
    let devices: Vec<Txt<'_>> = clicks.iter().map(|c| txt(c.device.as_str())).collect();
    let os_versions = column(|c| c.os_version.as_deref());
    let models = column(|c| c.device_model.as_deref());
    let referers = column(|c| c.referer.as_deref());
    let advertising = column(|c| c.advertising_id.as_deref());
    let ip_hashes = column(|c| c.ip_hash.as_deref());
    let expired: Vec<bool> = clicks.iter().map(|c| c.expired).collect();

    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let counted = query(
        &tx,
        &super::click_counts::with_counters(&format!(
            "INSERT INTO clicks ({CLICK_COLUMNS})
             SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::JSONB[], $6::TEXT[],
                                  $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::BOOLEAN[])
             ON CONFLICT (click_id) DO NOTHING"
        )),
        &[
            &ids, &ats, &templates, &shortlinks, &data, &devices, &os_versions, &models,
            &referers, &advertising, &ip_hashes, &expired,
        ],
    )
    .await?;
    super::click_counts::add_to_templates(&tx, &counted).await?;
    let renewals = crate::renewals::renewals(clicks);
    if !renewals.is_empty() {
        let templates: Vec<Txt<'_>> = renewals.iter().map(|r| txt(r.0)).collect();
        let shortlinks: Vec<Txt<'_>> = renewals.iter().map(|r| txt(r.1)).collect();
        let first: Vec<i64> = renewals.iter().map(|r| r.2.as_millis()).collect();
        let last: Vec<i64> = renewals.iter().map(|r| r.3.as_millis()).collect();
        super::links::renew_many(&tx, &templates, &shortlinks, &first, &last).await?;
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
