//! Statistics of a template or one of its links over a time range, grouped
//! by any of `pid`, `c`, `platform` and `day`:
//! `GET /api/v1/templates/{tid}/stats` and
//! `GET /api/v1/templates/{tid}/links/{sid}/stats`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Value, json};
use waylink_core::clock::{DAY_MS, Timestamp};
use waylink_core::stats::{Counts, Dimension, aggregate, day_label, parse_time, totals};
use waylink_store::StatsQuery;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{owned_template, query_pairs};
use crate::state::AppState;

/// The longest range one request may ask for.
const MAX_RANGE_DAYS: i64 = 400;
/// The range when none is given: the last 30 days, today included.
const DEFAULT_RANGE_DAYS: i64 = 30;

/// `GET /api/v1/templates/{tid}/stats?from=&to=&group_by=&shortlink_id=`.
pub async fn template_stats(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    stats(&state, &caller, &tid, None, query.as_deref()).await
}

/// `GET /api/v1/templates/{tid}/links/{sid}/stats?from=&to=&group_by=`.
pub async fn link_stats(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((tid, sid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    stats(&state, &caller, &tid, Some(sid), query.as_deref()).await
}

async fn stats(
    state: &AppState,
    caller: &Caller,
    tid: &str,
    sid: Option<String>,
    query: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let now = state.clock.now();
    let mut from = None;
    let mut to = None;
    let mut group_by = vec![Dimension::Day];
    let mut shortlink_id = sid;
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            // A bare date is a whole UTC day: `to=2026-11-30` includes the 30th.
            "from" => from = Some(parse_time("from", &value)?),
            "to" if value.len() == 10 => to = Some(parse_time("to", &value)?.plus_millis(DAY_MS)),
            "to" => to = Some(parse_time("to", &value)?),
            "group_by" => group_by = Dimension::parse_list(&value)?,
            "shortlink_id" if shortlink_id.is_none() => shortlink_id = Some(value),
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!(
                        "{other} is not a statistics parameter; use from, to, group_by and shortlink_id"
                    ),
                ));
            }
        }
    }
    let to = to.unwrap_or(Timestamp::from_millis((now.utc_day() + 1) * DAY_MS));
    let from = from.unwrap_or(to.plus_millis(-DEFAULT_RANGE_DAYS * DAY_MS));
    if from >= to || to.as_millis() - from.as_millis() > MAX_RANGE_DAYS * DAY_MS {
        return Err(ApiError::invalid(
            "from",
            format!("from must be before to, at most {MAX_RANGE_DAYS} days apart"),
        ));
    }
    let template = owned_template(state, caller, tid).await?;
    let app_ids = [&template.android_app_id, &template.ios_app_id]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let rows = state
        .store
        .stats_rows(&StatsQuery {
            template_id: template.id.clone(),
            shortlink_id: shortlink_id.clone(),
            app_ids,
            from,
            to,
        })
        .await?;
    let grouped: Vec<Value> = aggregate(&rows, &group_by)
        .into_iter()
        .map(|(group, counts)| {
            let mut row = counts_json(&counts);
            for dim in &group_by {
                let (name, value) = match dim {
                    Dimension::Pid => ("pid", json!(group.pid)),
                    Dimension::Campaign => ("c", json!(group.campaign)),
                    Dimension::Platform => ("platform", json!(group.platform)),
                    Dimension::Day => ("day", json!(group.day.map(day_label))),
                };
                row[name] = value;
            }
            row
        })
        .collect();
    let names: Vec<&str> = group_by
        .iter()
        .map(|d| match d {
            Dimension::Pid => "pid",
            Dimension::Campaign => "c",
            Dimension::Platform => "platform",
            Dimension::Day => "day",
        })
        .collect();
    Ok(Json(json!({
        "template_id": template.id,
        "shortlink_id": shortlink_id,
        "from": range_bound(from),
        "to": range_bound(to),
        "group_by": names,
        "rows": grouped,
        "totals": counts_json(&totals(&rows)),
    })))
}

/// A bound of the range as RFC 3339, with its milliseconds when it has
/// some: the range echoed is the range counted.
fn range_bound(at: Timestamp) -> String {
    let text = at.to_rfc3339();
    match (at.as_millis().rem_euclid(1000), text.strip_suffix('Z')) {
        (0, _) | (_, None) => text,
        (ms, Some(seconds)) => format!("{seconds}.{ms:03}Z"),
    }
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "clicks": c.clicks,
        "expired_clicks": c.expired_clicks,
        "installs": {
            "referrer": c.installs_referrer,
            "id_matching": c.installs_id_matching,
            "probabilistic": c.installs_probabilistic,
            "total": c.attributed_installs(),
        },
        "organic_installs": c.organic_installs,
        "reengagements": c.reengagements,
        "click_to_install_rate": c.click_to_install_rate(),
    })
}
