//! Apps of an account.

use rusqlite::{Connection, OptionalExtension, Row, params};
use waylink_core::app::{App, Platform};
use waylink_core::clock::Timestamp;

use crate::{StoreError, StoredKey};

const APP_COLUMNS: &str = "platform, app_id, fingerprints, bundle_id, team_id, udl_window_secs";

fn app(row: &Row<'_>) -> rusqlite::Result<Result<App, StoreError>> {
    let platform: String = row.get(0)?;
    let fingerprints: String = row.get(2)?;
    let build = || -> Result<App, StoreError> {
        Ok(App {
            platform: Platform::parse(&platform)
                .map_err(|e| StoreError::Internal(e.to_string()))?,
            app_id: row.get(1)?,
            sha256_cert_fingerprints: serde_json::from_str(&fingerprints)?,
            bundle_id: row.get(3)?,
            team_id: row.get(4)?,
            udl_window_secs: row.get(5)?,
        })
    };
    Ok(build())
}

pub fn create(
    c: &mut Connection,
    account_id: &str,
    a: &App,
    key: &StoredKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    let tx = c.savepoint()?;
    let taken = tx
        .query_row("SELECT 1 FROM apps WHERE app_id = ?1", [&a.app_id], |_| {
            Ok(())
        })
        .optional()?
        .is_some();
    if taken {
        return Err(StoreError::Conflict(format!(
            "the app {} is already registered on this server",
            a.app_id
        )));
    }
    tx.execute(
        "INSERT INTO apps (app_id, account_id, platform, fingerprints, bundle_id, team_id, sdk_key_hash, created_at, udl_window_secs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            a.app_id,
            account_id,
            a.platform.as_str(),
            serde_json::to_string(&a.sha256_cert_fingerprints)?,
            a.bundle_id,
            a.team_id,
            key.hash,
            now.as_millis(),
            a.udl_window_secs
        ],
    )?;
    tx.commit()?;
    Ok(())
}

pub fn get(c: &Connection, account_id: &str, app_id: &str) -> Result<Option<App>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE account_id = ?1 AND app_id = ?2"
    ))?;
    stmt.query_row([account_id, app_id], app)
        .optional()?
        .transpose()
}

pub fn list(c: &Connection, account_id: &str) -> Result<Vec<App>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM apps WHERE account_id = ?1 ORDER BY created_at, app_id"
    ))?;
    let rows = stmt.query_map([account_id], app)?;
    rows.map(|r| r.map_err(StoreError::from).and_then(|a| a))
        .collect()
}

pub fn by_ids(c: &Connection, ids: &[String]) -> Result<Vec<App>, StoreError> {
    let mut stmt =
        c.prepare_cached(&format!("SELECT {APP_COLUMNS} FROM apps WHERE app_id = ?1"))?;
    let mut apps = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(app) = stmt.query_row([id], app).optional()? {
            apps.push(app?);
        }
    }
    Ok(apps)
}

/// The app an SDK key (by hash) belongs to, with its account.
pub fn by_sdk_key_hash(c: &Connection, hash: &str) -> Result<Option<(String, App)>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {APP_COLUMNS}, account_id FROM apps WHERE sdk_key_hash = ?1"
    ))?;
    let found = stmt
        .query_row([hash], |row| Ok((app(row)?, row.get::<_, String>(6)?)))
        .optional()?;
    match found {
        Some((app, account)) => Ok(Some((account, app?))),
        None => Ok(None),
    }
}

pub fn update(c: &mut Connection, account_id: &str, a: &App) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE apps SET fingerprints = ?3, bundle_id = ?4, team_id = ?5, udl_window_secs = ?6 WHERE account_id = ?1 AND app_id = ?2",
        params![
            account_id,
            a.app_id,
            serde_json::to_string(&a.sha256_cert_fingerprints)?,
            a.bundle_id,
            a.team_id,
            a.udl_window_secs
        ],
    )?;
    Ok(n == 1)
}

pub fn delete(c: &mut Connection, account_id: &str, app_id: &str) -> Result<bool, StoreError> {
    let tx = c.savepoint()?;
    let user: Option<String> = tx
        .query_row(
            "SELECT id FROM templates WHERE account_id = ?1 AND (android_app_id = ?2 OR ios_app_id = ?2) ORDER BY id LIMIT 1",
            [account_id, app_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(template) = user {
        return Err(StoreError::Conflict(format!(
            "the app {app_id} is used by template {template}; change or delete the template first"
        )));
    }
    let n = tx.execute(
        "DELETE FROM apps WHERE account_id = ?1 AND app_id = ?2",
        [account_id, app_id],
    )?;
    tx.commit()?;
    Ok(n == 1)
}
