//! Statistics of a template or one of its links over a time range, grouped
//! by any of `pid`, `c`, `platform` and `day`:
//! `GET /api/v1/templates/{tid}/stats` and
//! `GET /api/v1/templates/{tid}/links/{sid}/stats`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Value, json};
use waylink_core::clock::{DAY_MS, Timestamp};
use waylink_core::stats::{Counts, Dimension, Group, aggregate, day_label, parse_time, totals};
use waylink_core::template::Template;
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
    let asked = StatsRequest::parse(state, sid, query)?;
    let (template, rows) = asked.read(state, caller, tid).await?;
    Ok(Json(asked.view(&template, &asked.group_by, &rows)))
}

/// A statistics request, read from its query.
pub struct StatsRequest {
    from: Timestamp,
    to: Timestamp,
    group_by: Vec<Dimension>,
    shortlink_id: Option<String>,
}

/// Statistics rows with every dimension set, as the store answers them.
pub type Rows = Vec<(Group, Counts)>;

impl StatsRequest {
    /// Reads `from`, `to`, `group_by` and `shortlink_id` (unless the path
    /// named the link); the range defaults to the last 30 days.
    pub fn parse(
        state: &AppState,
        sid: Option<String>,
        query: Option<&str>,
    ) -> Result<StatsRequest, ApiError> {
        let now = state.clock.now();
        let mut from = None;
        let mut to = None;
        let mut group_by = vec![Dimension::Day];
        let mut shortlink_id = sid;
        for (key, value) in query_pairs(query) {
            match key.as_str() {
                // A bare date is a whole UTC day: `to=2026-11-30` includes the 30th.
                "from" => from = Some(parse_time("from", &value)?),
                "to" if value.len() == 10 => {
                    to = Some(parse_time("to", &value)?.plus_millis(DAY_MS))
                }
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
        Ok(StatsRequest {
            from,
            to,
            group_by,
            shortlink_id,
        })
    }

    /// The caller's template `tid` and its rows for this request: one read.
    pub async fn read(
        &self,
        state: &AppState,
        caller: &Caller,
        tid: &str,
    ) -> Result<(Template, Rows), ApiError> {
        let template = owned_template(state, caller, tid).await?;
        let rows = self.rows(state, &template).await?;
        Ok((template, rows))
    }

    /// The rows of `template`, already known to be the caller's.
    pub async fn rows(&self, state: &AppState, template: &Template) -> Result<Rows, ApiError> {
        let app_ids = [&template.android_app_id, &template.ios_app_id]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        Ok(state
            .store
            .stats_rows(&StatsQuery {
                template_id: template.id.clone(),
                shortlink_id: self.shortlink_id.clone(),
                app_ids,
                from: self.from,
                to: self.to,
            })
            .await?)
    }

    /// The API's answer for `rows` grouped by `group_by`.
    pub fn view(&self, template: &Template, group_by: &[Dimension], rows: &Rows) -> Value {
        let grouped: Vec<Value> = aggregate(rows, group_by)
            .into_iter()
            .map(|(group, counts)| {
                let mut row = counts_json(&counts);
                for dim in group_by {
                    let value = match dim {
                        Dimension::Pid => json!(group.pid),
                        Dimension::Campaign => json!(group.campaign),
                        Dimension::Platform => json!(group.platform),
                        Dimension::Day => json!(group.day.map(day_label)),
                    };
                    row[dimension_name(*dim)] = value;
                }
                row
            })
            .collect();
        let names: Vec<&str> = group_by.iter().map(|d| dimension_name(*d)).collect();
        json!({
            "template_id": template.id,
            "shortlink_id": self.shortlink_id,
            "from": range_bound(self.from),
            "to": range_bound(self.to),
            "group_by": names,
            "rows": grouped,
            "totals": counts_json(&totals(rows)),
        })
    }
}

fn dimension_name(dim: Dimension) -> &'static str {
    match dim {
        Dimension::Pid => "pid",
        Dimension::Campaign => "c",
        Dimension::Platform => "platform",
        Dimension::Day => "day",
    }
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
