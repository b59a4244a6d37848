//! What the benchmarks run against: an account, an Android app and the
//! template `H5hv` made through the API, links made through the batch API
//! (which is also the batch benchmark), and clicks written straight into
//! the embedded store while no server runs.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use waylink_core::click::Click;
use waylink_core::clock::{DAY_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;
use waylink_store::Store;

use crate::server::ADMIN_TOKEN;

/// The template every benchmark uses.
pub const TEMPLATE: &str = "H5hv";
/// Its subdomain.
pub const SUBDOMAIN: &str = "feedme";
/// Link ids are this prefix and a number from 0.
pub const LINK_PREFIX: &str = "l";
/// Links per batch request (the API's maximum).
const BATCH: usize = 10_000;

/// The keys the benchmarks send.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The account's API key.
    pub api_key: String,
    /// The Android app's SDK key.
    pub sdk_key: String,
}

async fn post(base: &str, path: &str, key: &str, body: Value) -> anyhow::Result<Value> {
    let response = crate::probe::client()
        .post(format!("{base}{path}"))
        .header("authorization", key)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {path} answered {status}: {answer}");
    }
    Ok(answer)
}

/// Makes the account (no practical quota or rate limit), its Android app
/// and the template.
pub async fn account(base: &str) -> anyhow::Result<Keys> {
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let body = json!({"name": "bench", "daily_quota": 1_000_000_000_000u64, "rate_limit": 1_000_000_000_000u64});
    let account = post(base, "/admin/v1/accounts", &admin, body).await?;
    let api_key = account["api_key"]
        .as_str()
        .context("an api_key")?
        .to_owned();
    let app = json!({"platform": "android", "app_id": "com.feedme.app"});
    let app = post(base, "/api/v1/apps", &api_key, app).await?;
    let sdk_key = app["sdk_key"].as_str().context("an sdk_key")?.to_owned();
    let template = json!({"id": TEMPLATE, "subdomain": SUBDOMAIN, "android_app_id": "com.feedme.app", "uri_scheme": "feedme"});
    post(base, "/api/v1/templates", &api_key, template).await?;
    Ok(Keys { api_key, sdk_key })
}

/// Creates links `l{from}` to `l{to - 1}` through the batch API, two
/// requests at a time; answers how long it took.
pub async fn links(base: &str, keys: &Keys, from: usize, to: usize) -> anyhow::Result<Duration> {
    let path = format!("/api/v1/templates/{TEMPLATE}/links:batch");
    let started = Instant::now();
    let mut starts = (from..to).step_by(BATCH);
    loop {
        let mut requests = Vec::new();
        for start in starts.by_ref().take(2) {
            let end = (start + BATCH).min(to);
            let items: Vec<Value> = (start..end)
                .map(|i| json!({"shortlink_id": format!("{LINK_PREFIX}{i}"), "data": {"pid": "bench", "c": "redirects", "af_sub1": i.to_string()}}))
                .collect();
            let (base, path, key) = (base.to_owned(), path.clone(), keys.api_key.clone());
            requests.push(tokio::spawn(async move {
                post(&base, &path, &key, Value::Array(items)).await
            }));
        }
        if requests.is_empty() {
            return Ok(started.elapsed());
        }
        for request in requests {
            let answer = request.await??;
            let failed = answer.as_array().map_or(1, |items| {
                items
                    .iter()
                    .filter(|i| i.get("shortlink_url").is_none())
                    .count()
            });
            if failed > 0 {
                bail!(
                    "{failed} links of a batch were not created: {}",
                    first_error(&answer)
                );
            }
        }
    }
}

fn first_error(answer: &Value) -> String {
    answer
        .as_array()
        .and_then(|items| items.iter().find(|i| i.get("shortlink_url").is_none()))
        .map_or_else(|| answer.to_string(), Value::to_string)
}

/// The advertising id of seeded click `i`: what launches send to be matched.
pub fn advertising_id(i: u64) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

/// Writes `count` Android clicks on the template's links into `store`,
/// spread over the six days before `now`, each with an advertising id of
/// its own and one of a thousand addresses.
pub async fn clicks(
    store: &dyn Store,
    count: u64,
    links: usize,
    now: Timestamp,
) -> anyhow::Result<()> {
    const CHUNK: u64 = 20_000;
    let template = TemplateId::from_stored(TEMPLATE.to_owned());
    let mut written = 0;
    while written < count {
        let batch: Vec<Click> = (written..(written + CHUNK).min(count))
            .map(|i| {
                let link = (i as usize) % links.max(1);
                let data = [("pid", "bench"), ("c", "launches")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                Click {
                    click_id: format!("bench{i:012}"),
                    at: Timestamp::from_millis(
                        now.as_millis() - 1 - (i as i64 * 7_919) % (6 * DAY_MS),
                    ),
                    template_id: template.clone(),
                    shortlink_id: Some(format!("{LINK_PREFIX}{link}")),
                    data,
                    device: DeviceKind::Android,
                    os_version: Some("14".into()),
                    device_model: Some("Pixel 8".into()),
                    referer: None,
                    advertising_id: Some(advertising_id(i)),
                    ip_hash: Some(format!("{:064x}", i % 1_000)),
                    expired: false,
                }
            })
            .collect();
        store.record_clicks(&batch).await?;
        written += batch.len() as u64;
        if written % 1_000_000 == 0 {
            eprintln!("  {written} clicks written");
        }
    }
    Ok(())
}
