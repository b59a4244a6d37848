//! Installs, re-engagements, and the click lookups attribution makes.

use rusqlite::{Connection, OptionalExtension, Row, params};
use waylink_core::attribution::{
    Attribution, Candidates, Lookback, MAX_LOOKBACK_MS, MatchType, PROBABILISTIC_CAP_MS,
    click_lookback,
};
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::install::{Install, Reengagement};
use waylink_core::user_agent::DeviceKind;

use super::clicks::{CLICK_COLUMNS, click};
use super::rows::flatten;
use crate::{CandidateQuery, StoreError};

/// The candidates of an install: one primary-key lookup and two index
/// range scans, each bounded by the query's limit.
pub fn candidates(c: &Connection, q: &CandidateQuery) -> Result<Candidates, StoreError> {
    let referrer = match &q.click_id {
        Some(id) => click_by_id(c, id)?.into_iter().collect(),
        None => Vec::new(),
    };
    let since_lookback = q.at.plus_millis(-MAX_LOOKBACK_MS);
    let advertising_id = match &q.advertising_id {
        Some(id) => clicks_by(
            c,
            ClickKey::AdvertisingId,
            id,
            q.platform,
            since_lookback,
            q.at,
            q.limit,
        )?,
        None => Vec::new(),
    };
    let ip = match &q.ip_hash {
        Some(hash) => clicks_by(
            c,
            ClickKey::IpHash,
            hash,
            q.platform,
            q.at.plus_millis(-PROBABILISTIC_CAP_MS),
            q.at,
            q.limit,
        )?,
        None => Vec::new(),
    };
    Ok(Candidates {
        referrer,
        advertising_id,
        ip,
    })
}

/// The latest clicks sharing an advertising id or IP hash with an install,
/// newest first, found through the partial indexes of migration 3.
pub fn clicks_by(
    c: &Connection,
    column: ClickKey,
    value: &str,
    device: DeviceKind,
    since: Timestamp,
    until: Timestamp,
    limit: usize,
) -> Result<Vec<Click>, StoreError> {
    let column = match column {
        ClickKey::AdvertisingId => "advertising_id",
        ClickKey::IpHash => "ip_hash",
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CLICK_COLUMNS} FROM clicks WHERE {column} = ?1 AND device = ?2 AND at >= ?3 AND at <= ?4 ORDER BY at DESC LIMIT ?5"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    stmt.query_map(
        params![
            value,
            device.as_str(),
            since.as_millis(),
            until.as_millis(),
            limit
        ],
        click,
    )?
    .map(flatten)
    .collect()
}

/// Which indexed column of clicks to look up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClickKey {
    /// `advertising_id`.
    AdvertisingId,
    /// `ip_hash`.
    IpHash,
}

/// One click by id.
pub fn click_by_id(c: &Connection, id: &str) -> Result<Option<Click>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CLICK_COLUMNS} FROM clicks WHERE click_id = ?1"
    ))?;
    stmt.query_row([id], click).optional()?.transpose()
}

const INSTALL_COLUMNS: &str = "app_id, device_id, platform, installed_at, match_type, lookback, click_id, click_at, template_id, shortlink_id, click_data, click_referer";

fn install(row: &Row<'_>) -> rusqlite::Result<Result<Install, StoreError>> {
    let platform: String = row.get(2)?;
    let match_type: Option<String> = row.get(4)?;
    let build = || -> Result<Install, StoreError> {
        let platform = DeviceKind::parse(&platform).ok_or_else(|| {
            StoreError::Internal(format!("unknown platform {platform:?} in a stored install"))
        })?;
        let attribution = match match_type.as_deref().map(MatchType::parse) {
            None => Attribution::Organic,
            Some(None) => {
                return Err(StoreError::Internal(
                    "unknown match type in a stored install".into(),
                ));
            }
            Some(Some(match_type)) => {
                let data_text: String = row.get(10)?;
                let data = serde_json::from_str(&data_text)?;
                let lookback_text: String = row.get(5)?;
                let lookback = Lookback {
                    millis: click_lookback(&data).millis,
                    text: lookback_text,
                };
                let click = Click {
                    click_id: row.get(6)?,
                    at: Timestamp::from_millis(row.get(7)?),
                    template_id: TemplateId::from_stored(row.get(8)?),
                    shortlink_id: row.get(9)?,
                    data,
                    device: platform,
                    os_version: None,
                    device_model: None,
                    referer: row.get(11)?,
                    advertising_id: None,
                    ip_hash: None,
                    expired: false,
                };
                Attribution::NonOrganic {
                    click: Box::new(click),
                    match_type,
                    lookback,
                }
            }
        };
        Ok(Install {
            app_id: row.get(0)?,
            device_id: row.get(1)?,
            platform,
            installed_at: Timestamp::from_millis(row.get(3)?),
            attribution,
        })
    };
    Ok(build())
}

pub fn get_install(
    c: &Connection,
    app_id: &str,
    device_id: &str,
) -> Result<Option<Install>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {INSTALL_COLUMNS} FROM installs WHERE app_id = ?1 AND device_id = ?2"
    ))?;
    stmt.query_row([app_id, device_id], install)
        .optional()?
        .transpose()
}

/// Stores an install unless the device already has one; answers whether
/// this call stored it (the first of two racing launches wins).
pub fn create_install(c: &mut Connection, i: &Install) -> Result<bool, StoreError> {
    let (match_type, lookback, click) = match &i.attribution {
        Attribution::Organic => (None, None, None),
        Attribution::NonOrganic {
            click,
            match_type,
            lookback,
        } => (
            Some(match_type.as_str()),
            Some(lookback.text.as_str()),
            Some(click.as_ref()),
        ),
    };
    let data = click.map(|c| serde_json::to_string(&c.data)).transpose()?;
    let n = c.execute(
        "INSERT OR IGNORE INTO installs (app_id, device_id, platform, installed_at, last_launch_at, match_type, lookback,
            click_id, click_at, template_id, shortlink_id, click_data, click_referer, pid, campaign)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            i.app_id,
            i.device_id,
            i.platform.as_str(),
            i.installed_at.as_millis(),
            match_type,
            lookback,
            click.map(|c| c.click_id.as_str()),
            click.map(|c| c.at.as_millis()),
            click.map(|c| c.template_id.as_str()),
            click.and_then(|c| c.shortlink_id.as_deref()),
            data,
            click.and_then(|c| c.referer.as_deref()),
            click.and_then(|c| c.data.get("pid").map(String::as_str)),
            click.and_then(|c| c.data.get("c").map(String::as_str)),
        ],
    )?;
    Ok(n == 1)
}

pub fn touch_install(
    c: &mut Connection,
    app_id: &str,
    device_id: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE installs SET last_launch_at = MAX(last_launch_at, ?3) WHERE app_id = ?1 AND device_id = ?2")?
        .execute(params![app_id, device_id, at.as_millis()])?;
    Ok(())
}

pub fn record_reengagement(c: &mut Connection, r: &Reengagement) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO reengagements (app_id, device_id, at, platform, template_id, shortlink_id, pid, campaign)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.app_id,
            r.device_id,
            r.at.as_millis(),
            r.platform.as_str(),
            r.template_id.as_str(),
            r.shortlink_id,
            r.pid,
            r.campaign
        ],
    )?;
    Ok(())
}

/// Template ids whose Android or iOS app is `app_id`.
pub fn templates_of_app(c: &Connection, app_id: &str) -> Result<Vec<TemplateId>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM templates WHERE android_app_id = ?1 OR ios_app_id = ?1 ORDER BY id",
    )?;
    let ids = stmt
        .query_map([app_id], |row| row.get::<_, String>(0))?
        .map(|r| r.map(TemplateId::from_stored))
        .collect::<Result<_, _>>()?;
    Ok(ids)
}
