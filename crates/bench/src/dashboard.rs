//! The dashboard's pages under load, each next to the JSON API call that
//! reads the same data, measured in the same run: the ratio is what
//! rendering HTML (and, for statistics, grouping four ways) costs.

use std::path::Path;

use anyhow::{Context, bail};

use crate::lua;
use crate::probe::client;
use crate::report::{Row, thousands};
use crate::seed::{Keys, TEMPLATE};
use crate::wrk::Measured;

/// Signs in to the dashboard with `api_key` as a browser does; answers
/// the `cookie` header of the session.
pub async fn sign_in(base: &str, api_key: &str) -> anyhow::Result<String> {
    let page = client()
        .get(format!("{base}/dashboard/sign-in"))
        .send()
        .await?;
    let form_cookie = cookie_pair(page.headers(), "waylink_sign_in")?;
    let body = page.text().await?;
    let token = body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no _csrf field on the sign-in page")?
        .to_owned();
    let answer = client()
        .post(format!("{base}/dashboard/sign-in"))
        .header("cookie", form_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .append_pair("_csrf", &token)
                .append_pair("api_key", api_key)
                .finish(),
        )
        .send()
        .await?;
    if answer.status() != 303 {
        bail!("signing in answered {}", answer.status());
    }
    cookie_pair(answer.headers(), "waylink_session")
}

fn cookie_pair(headers: &reqwest::header::HeaderMap, name: &str) -> anyhow::Result<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .with_context(|| format!("no {name} cookie"))
}

/// A page of the dashboard and the API call that reads the same data.
struct Pair {
    name: &'static str,
    page: String,
    api: String,
}

/// Measures each page and its API call with `measure`, which runs wrk
/// with a script; answers two rows per page.
pub async fn rows<F, Fut>(
    dir: &Path,
    base: &str,
    keys: &Keys,
    clicks: u64,
    measure: F,
) -> anyhow::Result<Vec<Row>>
where
    F: Fn(std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Measured>>,
{
    let cookie = sign_in(base, &keys.api_key).await?;
    let pairs = [
        Pair {
            name: "templates",
            page: "/dashboard/templates".into(),
            api: "/api/v1/templates".into(),
        },
        Pair {
            name: "links, first page of 25",
            page: format!("/dashboard/templates/{TEMPLATE}/links"),
            api: format!("/api/v1/templates/{TEMPLATE}/links?limit=25"),
        },
        Pair {
            name: "statistics, 30 days",
            page: format!("/dashboard/templates/{TEMPLATE}/stats"),
            api: format!("/api/v1/templates/{TEMPLATE}/stats?group_by=day"),
        },
    ];
    let mut rows = Vec::new();
    for pair in pairs {
        for (path, header, value) in [
            (&pair.api, "authorization", keys.api_key.as_str()),
            (&pair.page, "cookie", cookie.as_str()),
        ] {
            let started = std::time::Instant::now();
            let answer = client()
                .get(format!("{base}{path}"))
                .header(header, value)
                .send()
                .await?;
            let status = answer.status();
            answer.bytes().await?;
            eprintln!("  {path}: {status} in {:?}", started.elapsed());
            if !status.is_success() {
                bail!("{path} answered {status}");
            }
        }
        let api = measure(lua::get(
            dir,
            "api.lua",
            &pair.api,
            "Authorization",
            &keys.api_key,
        )?)
        .await?;
        let page = measure(lua::get(dir, "page.lua", &pair.page, "Cookie", &cookie)?).await?;
        let scenario = if pair.name.starts_with("statistics") {
            format!(
                "dashboard {}, {} clicks stored",
                pair.name,
                thousands(clicks as f64)
            )
        } else {
            format!("dashboard {}", pair.name)
        };
        rows.push(row(
            format!("{scenario}: JSON API"),
            "API (baseline)",
            &api,
            None,
        ));
        rows.push(row(scenario, "page", &page, Some(&api)));
    }
    Ok(rows)
}

fn row(scenario: String, store: &str, m: &Measured, api: Option<&Measured>) -> Row {
    let failures = m.error_statuses + m.socket_errors;
    Row {
        scenario,
        store: store.into(),
        // A statistics page over millions of clicks is well under one a second.
        value: if m.per_second < 10.0 {
            format!("{:.1} req/s", m.per_second)
        } else {
            format!("{} req/s", thousands(m.per_second))
        },
        vs_baseline: Some(api.map_or(1.0, |a| m.per_second / a.per_second)),
        p50_ms: Some(m.p50_ms),
        p99_ms: Some(m.p99_ms),
        failures: Some(format!("{failures} errors")),
        target: if api.is_some() {
            "p99 ≤ 100 ms, 0 errors"
        } else {
            ""
        }
        .into(),
        met: api.map(|_| m.p99_ms <= 100.0 && failures == 0),
    }
}
