//! Apps of an account.

use std::collections::HashMap;

use deadpool_postgres::Pool;
use tokio_postgres::Row;
use waylink_core::app::{App, Platform};
use waylink_core::clock::Timestamp;

use super::db::{execute, get, opt_text, query, query_opt, text};
use super::error::{Fail, conflict_on};
use super::text::{opt, txt};
use crate::{StoreError, StoredKey};

const APP_COLUMNS: &str = "platform, app_id, fingerprints, bundle_id, team_id, udl_window_secs";

fn app(row: &Row) -> Result<App, Fail> {
    let platform = text(row, 0)?;
    let fingerprints = text(row, 2)?;
    Ok(App {
        platform: Platform::parse(&platform).map_err(|e| StoreError::Internal(e.to_string()))?,
        app_id: text(row, 1)?,
        sha256_cert_fingerprints: serde_json::from_str(&fingerprints)?,
        bundle_id: opt_text(row, 3)?,
        team_id: opt_text(row, 4)?,
        udl_window_secs: get(row, 5)?,
    })
}

fn taken(app_id: &str) -> String {
    format!("the app {app_id} is already registered on this server")
}

pub async fn create(
    pool: &Pool,
    account_id: &str,
    a: &App,
    key: &StoredKey,
    now: Timestamp,
) -> Result<(), Fail> {
    let fingerprints = serde_json::to_string(&a.sha256_cert_fingerprints)?;
    let c = pool.get().await?;
    // The primary key decides between two nodes registering one app id at
    // once; the loser gets the same conflict as a later registration.
    execute(
        &c,
        "INSERT INTO apps (app_id, account_id, platform, fingerprints, bundle_id, team_id, sdk_key_hash, created_at, udl_window_secs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &txt(&a.app_id),
            &txt(account_id),
            &txt(a.platform.as_str()),
            &txt(&fingerprints),
            &opt(a.bundle_id.as_deref()),
            &opt(a.team_id.as_deref()),
            &txt(&key.hash),
            &now.as_millis(),
            &a.udl_window_secs,
        ],
    )
    .await
    .map_err(|f| match f {
        Fail::Pg(e) => conflict_on(e, "apps_app_id_unique", taken(&a.app_id)),
        other => other,
    })?;
    Ok(())
}

pub async fn get_app(pool: &Pool, account_id: &str, app_id: &str) -> Result<Option<App>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE account_id = $1 AND app_id = $2");
    query_opt(&c, &sql, &[&txt(account_id), &txt(app_id)])
        .await?
        .as_ref()
        .map(app)
        .transpose()
}

pub async fn list(pool: &Pool, account_id: &str) -> Result<Vec<App>, Fail> {
    let c = pool.get().await?;
    let sql =
        format!("SELECT {APP_COLUMNS} FROM apps WHERE account_id = $1 ORDER BY created_at, app_id");
    query(&c, &sql, &[&txt(account_id)])
        .await?
        .iter()
        .map(app)
        .collect()
}

/// The apps with these ids, in the order asked, skipping unknown ones.
pub async fn by_ids(pool: &Pool, ids: &[String]) -> Result<Vec<App>, Fail> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let c = pool.get().await?;
    let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE app_id = ANY($1)");
    let wanted: Vec<_> = ids.iter().map(|id| txt(id)).collect();
    let found: HashMap<String, App> = query(&c, &sql, &[&wanted])
        .await?
        .iter()
        .map(|row| app(row).map(|a| (a.app_id.clone(), a)))
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

/// The app an SDK key (by hash) belongs to, with its account.
pub async fn by_sdk_key_hash(pool: &Pool, hash: &str) -> Result<Option<(String, App)>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {APP_COLUMNS}, account_id FROM apps WHERE sdk_key_hash = $1");
    match query_opt(&c, &sql, &[&txt(hash)]).await? {
        Some(row) => Ok(Some((text(&row, 6)?, app(&row)?))),
        None => Ok(None),
    }
}

pub async fn update(pool: &Pool, account_id: &str, a: &App) -> Result<bool, Fail> {
    let fingerprints = serde_json::to_string(&a.sha256_cert_fingerprints)?;
    let c = pool.get().await?;
    let n = execute(
        &c,
        "UPDATE apps SET fingerprints = $3, bundle_id = $4, team_id = $5, udl_window_secs = $6 WHERE account_id = $1 AND app_id = $2",
        &[
            &txt(account_id),
            &txt(&a.app_id),
            &txt(&fingerprints),
            &opt(a.bundle_id.as_deref()),
            &opt(a.team_id.as_deref()),
            &a.udl_window_secs,
        ],
    )
    .await?;
    Ok(n == 1)
}

pub async fn delete(pool: &Pool, account_id: &str, app_id: &str) -> Result<bool, Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    // A template created meanwhile holds the app through its foreign key,
    // so the delete below fails rather than leave it pointing nowhere.
    let user = query_opt(
        &tx,
        "SELECT id FROM templates WHERE account_id = $1 AND (android_app_id = $2 OR ios_app_id = $2) ORDER BY id LIMIT 1",
        &[&txt(account_id), &txt(app_id)],
    )
    .await?;
    if let Some(row) = user {
        let template = text(&row, 0)?;
        return Err(StoreError::Conflict(format!(
            "the app {app_id} is used by template {template}; change or delete the template first"
        ))
        .into());
    }
    let n = execute(
        &tx,
        "DELETE FROM apps WHERE account_id = $1 AND app_id = $2",
        &[&txt(account_id), &txt(app_id)],
    )
    .await?;
    tx.commit().await?;
    Ok(n == 1)
}
