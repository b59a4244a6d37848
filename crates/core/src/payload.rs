//! The payloads the SDK hands the app: conversion data, the app-open
//! attribution map, and the Unified Deep Linking result, with the JSON
//! types the spec fixes (booleans, numbers, nulls where it says so).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::attribution::Attribution;
use crate::clock::Timestamp;

/// Times in payloads: UTC, `2026-11-22 16:04:50.605`.
pub fn sdk_time(at: Timestamp) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(at.as_millis())
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

/// Link parameters that conversion data carries as `null` when absent.
const NULLABLE: &[&str] = &[
    "af_adset",
    "af_ad",
    "af_channel",
    "af_siteid",
    "af_sub1",
    "af_sub2",
    "af_sub3",
    "af_sub4",
    "af_sub5",
];

/// Conversion data of an install, as `onConversionDataSuccess` receives it.
pub fn conversion_data(
    installed_at: Timestamp,
    attribution: &Attribution,
    is_first_launch: bool,
) -> Map<String, Value> {
    let Attribution::NonOrganic {
        click,
        match_type,
        lookback,
    } = attribution
    else {
        let mut organic = Map::new();
        organic.insert("af_status".into(), json!("Organic"));
        organic.insert("af_message".into(), json!("organic install"));
        organic.insert("is_first_launch".into(), json!(is_first_launch));
        organic.insert("install_time".into(), json!(sdk_time(installed_at)));
        organic.insert("iscache".into(), json!(false));
        return organic;
    };
    let data = &click.data;
    // Every link parameter as its string, then the fields with fixed names
    // and types laid over them.
    let mut out: Map<String, Value> = data
        .iter()
        .filter(|(k, _)| k.as_str() != "pid" && k.as_str() != "c")
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    for key in NULLABLE {
        out.insert(
            (*key).into(),
            data.get(*key).map_or(Value::Null, |v| json!(v)),
        );
    }
    out.insert("af_status".into(), json!("Non-organic"));
    out.insert("is_first_launch".into(), json!(is_first_launch));
    out.insert("install_time".into(), json!(sdk_time(installed_at)));
    out.insert("click_time".into(), json!(sdk_time(click.at)));
    out.insert("match_type".into(), json!(match_type.as_str()));
    out.insert(
        "media_source".into(),
        data.get("pid").map_or(Value::Null, |v| json!(v)),
    );
    out.insert(
        "campaign".into(),
        data.get("c").map_or(Value::Null, |v| json!(v)),
    );
    out.insert(
        "is_retargeting".into(),
        json!(
            data.get("is_retargeting")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        ),
    );
    out.insert("retargeting_conversion_type".into(), json!("none"));
    out.insert("af_click_lookback".into(), json!(lookback.text));
    if let Some(shortlink) = &click.shortlink_id {
        out.insert("shortlink".into(), json!(shortlink));
    }
    out.insert(
        "http_referrer".into(),
        click.referer.as_deref().map_or(Value::Null, |r| json!(r)),
    );
    insert_cost(&mut out, data);
    out.insert("iscache".into(), json!(false));
    out
}

/// The cost fields: currency (default USD), value and original cost as
/// numbers (null without a readable value), and the value in US cents as
/// an integer for USD only.
fn insert_cost(out: &mut Map<String, Value>, data: &BTreeMap<String, String>) {
    let currency = data
        .get("af_cost_currency")
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "USD".into());
    let value = data
        .get("af_cost_value")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite());
    let number = value
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number);
    out.insert("af_cost_currency".into(), json!(currency));
    out.insert("af_cost_value".into(), number.clone());
    out.insert("orig_cost".into(), number);
    let cents = if currency == "USD" {
        // Cost is money: round to the nearest cent rather than truncate.
        json!(value.map_or(0, |v| (v * 100.0).round() as i64))
    } else {
        Value::Null
    };
    out.insert("cost_cents_USD".into(), cents);
}

/// A link the app was opened through, parsed and (for a short link)
/// resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedLink {
    /// The URL as opened.
    pub url: String,
    /// Its scheme: `https`, `feedme`.
    pub scheme: String,
    /// Its host.
    pub host: String,
    /// Its path.
    pub path: String,
    /// The short-link id, for short links.
    pub shortlink: Option<String>,
    /// The link's data: stored data (short links) with the URL's query over it.
    pub data: BTreeMap<String, String>,
}

impl OpenedLink {
    fn with_link_fields(&self) -> Map<String, Value> {
        let mut out: Map<String, Value> = self
            .data
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out.insert("link".into(), json!(self.url));
        out.insert("scheme".into(), json!(self.scheme));
        out.insert("host".into(), json!(self.host));
        out.insert("path".into(), json!(self.path));
        if let Some(pid) = self.data.get("pid") {
            out.insert("media_source".into(), json!(pid));
        }
        if let Some(c) = self.data.get("c") {
            out.insert("campaign".into(), json!(c));
        }
        out
    }

    /// The legacy app-open attribution map: every value a string.
    pub fn app_open_attribution(&self) -> Map<String, Value> {
        let mut out = self.with_link_fields();
        if let Some(shortlink) = &self.shortlink {
            out.insert("shortlink".into(), json!(shortlink));
        }
        out
    }

    /// The UDL result of a direct deep link.
    pub fn udl_direct(&self) -> Value {
        let mut deep_link = self.with_link_fields();
        deep_link.insert("is_deferred".into(), json!(false));
        json!({"status": "FOUND", "deep_link": deep_link})
    }
}

/// The deep-link parameters a deferred deep link carries.
fn deep_link_fields(data: &BTreeMap<String, String>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(v) = data.get("deep_link_value") {
        out.insert("deep_link_value".into(), json!(v));
    }
    for n in 1..=10 {
        let key = format!("deep_link_sub{n}");
        if let Some(v) = data.get(&key) {
            out.insert(key, json!(v));
        }
    }
    out
}

/// The UDL result of an install launch: `FOUND` deferred when the install
/// was attributed to a click made at most `udl_window_ms` before it, on a
/// link with `deep_link_value` or a `deep_link_sub*`; else `NOT_FOUND`.
pub fn udl_deferred(
    installed_at: Timestamp,
    attribution: &Attribution,
    udl_window_ms: i64,
) -> Value {
    let Attribution::NonOrganic {
        click, match_type, ..
    } = attribution
    else {
        return udl_not_found();
    };
    let mut deep_link = deep_link_fields(&click.data);
    if deep_link.is_empty() || installed_at.as_millis() - click.at.as_millis() > udl_window_ms {
        return udl_not_found();
    }
    deep_link.insert("is_deferred".into(), json!(true));
    deep_link.insert("match_type".into(), json!(match_type.as_str()));
    deep_link.insert(
        "click_http_referrer".into(),
        click.referer.as_deref().map_or(Value::Null, |r| json!(r)),
    );
    deep_link.insert("timestamp".into(), json!(sdk_time(click.at)));
    json!({"status": "FOUND", "deep_link": deep_link})
}

/// The UDL result when there is no deep link.
pub fn udl_not_found() -> Value {
    json!({"status": "NOT_FOUND"})
}

/// The UDL result of a server-side failure.
pub fn udl_error(reason: &str) -> Value {
    json!({"status": "ERROR", "error": reason})
}

/// A link URL split for resolution: its parts and, for Waylink links, the
/// template and short-link ids its path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkUrl {
    /// The URL as given.
    pub url: String,
    /// Lower-case scheme.
    pub scheme: String,
    /// Host (for a URI-scheme link, what follows `scheme://`).
    pub host: String,
    /// Path.
    pub path: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
    /// `(template id, short-link id)` of an http(s) link's path.
    pub ids: Option<(String, Option<String>)>,
}

/// Splits a link URL: `https://feedme.links.example/H5hv/bananas7?x=1`,
/// `https://feedme.links.example/H5hv?pid=sms`, or
/// `feedme://mainactivity?deep_link_value=apples`.
pub fn parse_link_url(text: &str) -> Option<LinkUrl> {
    let url = url::Url::parse(text.trim()).ok()?;
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let host = url.host_str().unwrap_or_default().to_owned();
    let path = url.path().to_owned();
    let ids = if matches!(url.scheme(), "http" | "https") {
        // Exactly one leading slash, as the redirect routes read it: `//H5hv`
        // names no template.
        let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(&path).split('/').collect();
        match segments.as_slice() {
            [tid] if !tid.is_empty() => Some(((*tid).to_owned(), None)),
            [tid, ""] if !tid.is_empty() => Some(((*tid).to_owned(), None)),
            [tid, sid] if !tid.is_empty() => Some(((*tid).to_owned(), Some((*sid).to_owned()))),
            _ => None,
        }
    } else {
        None
    };
    Some(LinkUrl {
        url: text.to_owned(),
        scheme: url.scheme().to_owned(),
        host,
        path,
        query,
        ids,
    })
}

impl LinkUrl {
    /// The opened link with `stored` data (a short link's) under the query.
    pub fn opened(
        &self,
        stored: Option<&BTreeMap<String, String>>,
        shortlink: Option<String>,
    ) -> OpenedLink {
        let mut data = stored.cloned().unwrap_or_default();
        for (k, v) in &self.query {
            data.insert(k.clone(), v.clone());
        }
        OpenedLink {
            url: self.url.clone(),
            scheme: self.scheme.clone(),
            host: self.host.clone(),
            path: self.path.clone(),
            shortlink,
            data,
        }
    }
}
