//! Installs, re-engagements, and the click lookups attribution makes.

use std::collections::BTreeMap;

use deadpool_postgres::Pool;
use tokio_postgres::Row;
use tokio_postgres::types::Json;
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
use super::db::{execute, get, limit, opt_text, query, query_opt, text, time};
use super::error::Fail;
use super::text::{json_map, opt, read_map, txt};
use crate::{CandidateQuery, StoreError};

/// Which indexed column of clicks to look up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClickKey {
    AdvertisingId,
    IpHash,
}

/// The candidates of an install: one primary-key lookup and two index
/// range scans, each bounded by the query's limit.
pub async fn candidates(pool: &Pool, q: &CandidateQuery) -> Result<Candidates, Fail> {
    let c = pool.get().await?;
    let referrer = match &q.click_id {
        Some(id) => {
            let sql = format!("SELECT {CLICK_COLUMNS} FROM clicks WHERE click_id = $1");
            let row = query_opt(&c, &sql, &[&txt(id)]).await?;
            row.as_ref().map(click).transpose()?.into_iter().collect()
        }
        None => Vec::new(),
    };
    let advertising_id = match &q.advertising_id {
        Some(id) => clicks_by(&c, ClickKey::AdvertisingId, id, q, MAX_LOOKBACK_MS).await?,
        None => Vec::new(),
    };
    let ip = match &q.ip_hash {
        Some(hash) => clicks_by(&c, ClickKey::IpHash, hash, q, PROBABILISTIC_CAP_MS).await?,
        None => Vec::new(),
    };
    Ok(Candidates {
        referrer,
        advertising_id,
        ip,
    })
}

/// The latest clicks sharing an advertising id or IP hash with an install,
/// newest first and at most `window_ms` older than the install, found
/// through the partial indexes of migration 3.
async fn clicks_by(
    c: &deadpool_postgres::Object,
    key: ClickKey,
    value: &str,
    q: &CandidateQuery,
    window_ms: i64,
) -> Result<Vec<Click>, Fail> {
    let column = match key {
        ClickKey::AdvertisingId => "advertising_id",
        ClickKey::IpHash => "ip_hash",
    };
    let sql = format!(
        "SELECT {CLICK_COLUMNS} FROM clicks WHERE {column} = $1 AND device = $2 AND at >= $3 AND at <= $4 ORDER BY at DESC LIMIT $5"
    );
    query(
        c,
        &sql,
        &[
            &txt(value),
            &txt(q.platform.as_str()),
            &q.at.plus_millis(-window_ms).as_millis(),
            &q.at.as_millis(),
            &limit(q.limit),
        ],
    )
    .await?
    .iter()
    .map(click)
    .collect()
}

const INSTALL_COLUMNS: &str = "app_id, device_id, platform, installed_at, match_type, lookback, click_id, click_at, template_id, shortlink_id, click_data, click_referer";

fn install(row: &Row) -> Result<Install, Fail> {
    let platform = text(row, 2)?;
    let platform = DeviceKind::parse(&platform).ok_or_else(|| {
        StoreError::Internal(format!("unknown platform {platform:?} in a stored install"))
    })?;
    let attribution = match opt_text(row, 4)?.as_deref().map(MatchType::parse) {
        None => Attribution::Organic,
        Some(None) => {
            return Err(
                StoreError::Internal("unknown match type in a stored install".into()).into(),
            );
        }
        Some(Some(match_type)) => {
            let data: Json<BTreeMap<String, String>> = get(row, 10)?;
            let data = read_map(data)?;
            let lookback = Lookback {
                millis: click_lookback(&data).millis,
                text: text(row, 5)?,
            };
            let click = Click {
                click_id: text(row, 6)?,
                at: time(row, 7)?,
                template_id: TemplateId::from_stored(text(row, 8)?),
                shortlink_id: opt_text(row, 9)?,
                data,
                device: platform,
                os_version: None,
                device_model: None,
                referer: opt_text(row, 11)?,
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
        app_id: text(row, 0)?,
        device_id: text(row, 1)?,
        platform,
        installed_at: time(row, 3)?,
        attribution,
    })
}

pub async fn get_install(
    pool: &Pool,
    app_id: &str,
    device_id: &str,
) -> Result<Option<Install>, Fail> {
    let c = pool.get().await?;
    let sql =
        format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE app_id = $1 AND device_id = $2");
    query_opt(&c, &sql, &[&txt(app_id), &txt(device_id)])
        .await?
        .as_ref()
        .map(install)
        .transpose()
}

/// Stores an install unless the device already has one; answers whether
/// this call stored it (the first of two racing launches, on any node, wins).
pub async fn create_install(pool: &Pool, i: &Install) -> Result<bool, Fail> {
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
    let c = pool.get().await?;
    let n = execute(
        &c,
        "INSERT INTO installs (app_id, device_id, platform, installed_at, last_launch_at, match_type, lookback,
            click_id, click_at, template_id, shortlink_id, click_data, click_referer, pid, campaign)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (app_id, device_id) DO NOTHING",
        &[
            &txt(&i.app_id),
            &txt(&i.device_id),
            &txt(i.platform.as_str()),
            &i.installed_at.as_millis(),
            &opt(match_type),
            &opt(lookback),
            &opt(click.map(|c| c.click_id.as_str())),
            &click.map(|c| c.at.as_millis()),
            &opt(click.map(|c| c.template_id.as_str())),
            &opt(click.and_then(|c| c.shortlink_id.as_deref())),
            &click.map(|c| json_map(&c.data)),
            &opt(click.and_then(|c| c.referer.as_deref())),
            &opt(click.and_then(|c| c.data.get("pid").map(String::as_str))),
            &opt(click.and_then(|c| c.data.get("c").map(String::as_str))),
        ],
    )
    .await?;
    Ok(n == 1)
}

pub async fn touch_install(
    pool: &Pool,
    app_id: &str,
    device_id: &str,
    at: Timestamp,
) -> Result<(), Fail> {
    let c = pool.get().await?;
    execute(
        &c,
        "UPDATE installs SET last_launch_at = GREATEST(last_launch_at, $3) WHERE app_id = $1 AND device_id = $2",
        &[&txt(app_id), &txt(device_id), &at.as_millis()],
    )
    .await?;
    Ok(())
}

pub async fn record_reengagement(pool: &Pool, r: &Reengagement) -> Result<(), Fail> {
    let c = pool.get().await?;
    execute(
        &c,
        "INSERT INTO reengagements (app_id, device_id, at, platform, template_id, shortlink_id, pid, campaign)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &txt(&r.app_id),
            &txt(&r.device_id),
            &r.at.as_millis(),
            &txt(r.platform.as_str()),
            &txt(r.template_id.as_str()),
            &opt(r.shortlink_id.as_deref()),
            &opt(r.pid.as_deref()),
            &opt(r.campaign.as_deref()),
        ],
    )
    .await?;
    Ok(())
}
