//! Statistics of a template (or one of its links) over a range of days: a
//! chart by day, sortable tables by media source, campaign and platform,
//! and the same numbers as CSV. The numbers come from the statistics API.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;
use waylink_core::clock::DAY_MS;
use waylink_core::stats::{Dimension, day_label, parse_time};
use waylink_core::template::Template;

use super::layout::{Nav, error_box, error_page, page};
use super::links::template_heading;
use super::session::OnTemplate;
use crate::error::ApiError;
use crate::links::query_pairs;
use crate::routes::stats::StatsRequest;
use crate::state::AppState;

/// Days shown when the form gives no range: the last 30, today included.
const DEFAULT_DAYS: i64 = 30;

/// The range and link a statistics page is for, as the form gives them.
struct Range {
    from: String,
    to: String,
    shortlink_id: Option<String>,
}

impl Range {
    fn read(state: &AppState, query: Option<&str>) -> Range {
        let pairs = query_pairs(query);
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_owned())
        };
        let today = state.clock.now().utc_day();
        Range {
            from: get("from").unwrap_or_else(|| day_label(today - DEFAULT_DAYS + 1)),
            to: get("to").unwrap_or_else(|| day_label(today)),
            shortlink_id: get("shortlink_id"),
        }
    }

    /// The statistics API's query for this range.
    fn api_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("from", &self.from)
            .append_pair("to", &self.to);
        if let Some(sid) = &self.shortlink_id {
            q.append_pair("shortlink_id", sid);
        }
        q.finish()
    }

    /// Every day of the range, for a chart without gaps.
    fn days(&self) -> Vec<String> {
        match (parse_time("from", &self.from), parse_time("to", &self.to)) {
            (Ok(from), Ok(to)) if to.as_millis() - from.as_millis() <= 400 * DAY_MS => {
                (from.utc_day()..=to.utc_day()).map(day_label).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The statistics of `template` over the range, grouped each way in
/// `groupings`, from one read of the store.
async fn fetch(
    state: &AppState,
    template: &Template,
    range: &Range,
    groupings: &[&[Dimension]],
) -> Result<Vec<Value>, ApiError> {
    let asked = StatsRequest::parse(state, None, Some(&range.api_query()))?;
    let rows = asked.rows(state, template).await?;
    Ok(groupings
        .iter()
        .map(|group_by| asked.view(template, group_by, &rows))
        .collect())
}

/// `GET /dashboard/templates/{tid}/stats?from=&to=&shortlink_id=`.
pub async fn show(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
    RawQuery(query): RawQuery,
) -> Response {
    let tid = template.id.as_str();
    let range = Range::read(&state, query.as_deref());
    let groupings: [&[Dimension]; 4] = [
        &[Dimension::Day],
        &[Dimension::Pid],
        &[Dimension::Campaign],
        &[Dimension::Platform],
    ];
    let (tables, error) = match fetch(&state, &template, &range, &groupings).await {
        Ok(tables) => (tables, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    let csv_href = format!("/dashboard/templates/{tid}/stats.csv?{}", range.api_query());
    let body = html! {
        (template_heading(&state, &template, "Statistics"))
        form.filters method="get" {
            label for="from" { "From" }
            input id="from" name="from" type="date" value=(range.from);
            label for="to" { "To" }
            input id="to" name="to" type="date" value=(range.to);
            label for="shortlink_id" { "Link id" }
            input id="shortlink_id" name="shortlink_id" value=(range.shortlink_id.as_deref().unwrap_or_default()) placeholder="all links";
            button type="submit" { "Show" }
            a.button.secondary href=(csv_href) download="statistics.csv" { "Export CSV" }
        }
        (error_box(error.as_ref()))
        @if let [by_day, by_pid, by_campaign, by_platform] = tables.as_slice() {
            (totals_line(&by_day["totals"]))
            h2 { "By day" }
            (chart(&range.days(), by_day))
            (table("Day", "day", by_day))
            h2 { "By media source" }
            (table("Media source", "pid", by_pid))
            h2 { "By campaign" }
            (table("Campaign", "c", by_campaign))
            h2 { "By platform" }
            (table("Platform", "platform", by_platform))
        }
    };
    page(
        status,
        &format!("Statistics of {tid}"),
        Some(&session),
        Nav::Templates,
        body,
    )
}

/// The totals of a range in one line of figures.
pub fn totals_line(totals: &Value) -> Markup {
    html! {
        dl.totals {
            div { dt { "Clicks" } dd data-stat="clicks" { (count(&totals["clicks"])) } }
            div { dt { "Installs" } dd data-stat="installs" { (count(&totals["installs"]["total"])) } }
            div { dt { "Organic installs" } dd { (count(&totals["organic_installs"])) } }
            div { dt { "Re-engagements" } dd { (count(&totals["reengagements"])) } }
            div { dt { "Click-to-install rate" } dd { (rate(&totals["click_to_install_rate"])) } }
        }
    }
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn rate(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The columns of every table: header, how a row's value is read, and
/// the column's name in the CSV export.
const COLUMNS: [(&str, &str, &str, &str); 8] = [
    ("Clicks", "clicks", "", "clicks"),
    ("Installs", "installs", "total", "installs"),
    ("By referrer", "installs", "referrer", "installs_referrer"),
    (
        "By id matching",
        "installs",
        "id_matching",
        "installs_id_matching",
    ),
    (
        "Probabilistic",
        "installs",
        "probabilistic",
        "installs_probabilistic",
    ),
    ("Organic", "organic_installs", "", "organic_installs"),
    ("Re-engagements", "reengagements", "", "reengagements"),
    (
        "Expired-link clicks",
        "expired_clicks",
        "",
        "expired_clicks",
    ),
];

fn cell(row: &Value, key: &str, sub: &str) -> u64 {
    if sub.is_empty() {
        count(&row[key])
    } else {
        count(&row[key][sub])
    }
}

fn table(label: &str, key: &str, stats: &Value) -> Markup {
    let rows = stats["rows"].as_array().cloned().unwrap_or_default();
    html! {
        div.table-wrap { table.sortable {
            thead { tr {
                th { button type="button" data-sort="text" { (label) } }
                @for (name, _, _, _) in COLUMNS { th { button type="button" data-sort="number" { (name) } } }
                th { button type="button" data-sort="number" { "Click-to-install" } }
            } }
            tbody {
                @for row in &rows {
                    tr {
                        td { (row[key].as_str().unwrap_or("(none)")) }
                        @for (_, k, sub, _) in COLUMNS { td.num { (cell(row, k, sub)) } }
                        td.num { (rate(&row["click_to_install_rate"])) }
                    }
                }
            }
        } }
    }
}

/// A bar chart of clicks, installs, organic installs and re-engagements
/// by day, with the click-to-install rate as a line over it.
fn chart(days: &[String], by_day: &Value) -> Markup {
    let rows = by_day["rows"].as_array().cloned().unwrap_or_default();
    let of = |day: &str| rows.iter().find(|r| r["day"].as_str() == Some(day));
    let series: Vec<[u64; 4]> = days
        .iter()
        .map(|d| {
            of(d).map_or([0; 4], |r| {
                [
                    count(&r["clicks"]),
                    count(&r["installs"]["total"]),
                    count(&r["organic_installs"]),
                    count(&r["reengagements"]),
                ]
            })
        })
        .collect();
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (width, height, top) = (720.0, 160.0, 10.0);
    let slot = width / days.len().max(1) as f64;
    let bar = (slot / 5.0).max(1.0);
    let rates: Vec<String> = series
        .iter()
        .enumerate()
        .filter(|(_, s)| s[0] > 0)
        .map(|(i, s)| {
            let r = (s[1] as f64 / s[0] as f64).min(1.0);
            format!(
                "{:.1},{:.1}",
                slot * (i as f64 + 0.5),
                top + height * (1.0 - r)
            )
        })
        .collect();
    html! {
        figure.chart {
            svg viewBox={"0 0 " (width) " " (height + 30.0)} role="img" aria-label="Clicks, installs, organic installs, re-engagements and click-to-install rate by day" {
                line x1="0" y1=(top + height) x2=(width) y2=(top + height) class="axis" {}
                @for (i, s) in series.iter().enumerate() {
                    @for (j, value) in s.iter().enumerate() {
                        @let h = height * (*value as f64) / max;
                        rect class={"s" (j)} x=(format!("{:.1}", slot * i as f64 + bar * (j as f64 + 0.5))) y=(format!("{:.1}", top + height - h)) width=(format!("{bar:.1}")) height=(format!("{h:.1}")) {
                            title { (days[i]) ": " (value) }
                        }
                    }
                }
                @if rates.len() > 1 { polyline class="rate" points=(rates.join(" ")) {} }
                @for point in &rates {
                    @if let Some((x, y)) = point.split_once(',') { circle class="rate" cx=(x) cy=(y) r="3" {} }
                }
                @if let (Some(first), Some(last)) = (days.first(), days.last()) {
                    text x="0" y=(height + 28.0) { (first) }
                    text x=(width) y=(height + 28.0) text-anchor="end" { (last) }
                }
                text x="4" y="12" { "max " (max) }
            }
            figcaption.legend {
                span.s0 { "Clicks" } span.s1 { "Installs" } span.s2 { "Organic installs" } span.s3 { "Re-engagements" } span.rate { "Click-to-install rate (0–100%)" }
            }
        }
    }
}

/// `GET /dashboard/templates/{tid}/stats.csv?...`: the statistics API's
/// answer for the range as CSV, one row per group.
pub async fn csv(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
    RawQuery(query): RawQuery,
) -> Response {
    let tid = template.id.as_str();
    let range = Range::read(&state, query.as_deref());
    let all = [
        Dimension::Day,
        Dimension::Pid,
        Dimension::Campaign,
        Dimension::Platform,
    ];
    let stats = match fetch(&state, &template, &range, &[&all]).await {
        Ok(mut v) => v.pop().unwrap_or_default(),
        Err(e) => return error_page(Some(&session), &e),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["day", "media_source", "campaign", "platform"];
    header.extend(COLUMNS.iter().map(|(_, _, _, name)| *name));
    header.push("click_to_install_rate");
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for row in stats["rows"].as_array().into_iter().flatten() {
        let mut line: Vec<String> = ["day", "pid", "c", "platform"]
            .iter()
            .map(|k| row[*k].as_str().unwrap_or_default().to_owned())
            .collect();
        line.extend(
            COLUMNS
                .iter()
                .map(|(_, k, sub, _)| cell(row, k, sub).to_string()),
        );
        line.push(
            row["click_to_install_rate"]
                .as_f64()
                .map(|r| format!("{r:.4}"))
                .unwrap_or_default(),
        );
        rows.push(line);
    }
    for row in rows {
        if out.write_record(&row).is_err() {
            return error_page(Some(&session), &csv_failed());
        }
    }
    let Ok(bytes) = out.into_inner() else {
        return error_page(Some(&session), &csv_failed());
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{tid}-statistics.csv\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn csv_failed() -> ApiError {
    ApiError::new(
        crate::error::ErrorKind::Internal,
        "The CSV could not be written",
    )
}
