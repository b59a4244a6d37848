//! A flood of malformed requests over every route, the API's, the
//! redirect host's (clicks with garbage hosts, user agents, queries and
//! paths) and the dashboard's (no, real or forged session cookies, forms
//! with right and wrong CSRF tokens, broken CSV uploads): no answer is a
//! 5xx, every 4xx of an API path is the promised JSON and of a dashboard
//! path an HTML page (other paths answer HTML or JSON as they will),
//! redirects and pages keep the click rules or the dashboard's, raw
//! malformed HTTP does not hurt, and the server still serves a normal
//! create and read, and the dashboard its pages, after.
//!
//! Requests come from a seeded xorshift generator: a failure names the
//! seed, task and request number, and the same run reproduces it.

#[path = "garbage/dashboard.rs"]
mod dashboard;
#[path = "garbage/gen.rs"]
mod generator;
#[path = "garbage/pages.rs"]
mod pages;
#[path = "garbage/raw.rs"]
mod raw;
#[path = "garbage/rng.rs"]
mod rng;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use waylink_core::clock::AdjustableClock;
use waylink_test_utils::TestApp;

use crate::generator::{Garbage, ROUTES, Rng, SID, TID, Target, request};
use crate::pages::{
    assert_dashboard_still_serves, check_dashboard_answer, is_dashboard, prepare_dashboard,
    reached, routed_paths,
};

const SEED: u64 = 0x5EED_0F6A_7BA6_E000;
const TASKS: u64 = 8;
const REQUESTS_PER_TASK: usize = 375;
/// Bodies of a megabyte, per task: enough to hit every limit, cheap enough.
const BIG_BODIES_PER_TASK: usize = 3;

/// The error shape a path promises, as the server decides it.
fn shape_of(path: &str) -> Option<&'static str> {
    if path.starts_with("/shortlink/v1/") || path == "/shortlink/v1" {
        Some("v1")
    } else if ["/api/", "/admin/", "/sdk/", "/shortlink-sdk/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        Some("object")
    } else {
        None
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// Sends one request; `Err` says what was wrong with the answer.
async fn send(client: &reqwest::Client, g: Garbage) -> Result<(u16, Option<&'static str>), String> {
    let mut builder = client.request(g.method.clone(), g.url.clone());
    for (name, value) in &g.headers {
        builder = builder.header(name, value);
    }
    let has_body = g.body.as_ref().is_some_and(|b| !b.is_empty());
    if let Some(body) = g.body {
        builder = builder.body(body);
    }
    let response = match builder.send().await {
        Ok(r) => r,
        // A server that answers (401, 404, 413) before reading a body closes
        // the connection after; the client may then see the reset rather than
        // the answer. Panics are caught by the hook instead; the caller
        // checks the server still answers.
        Err(e) if has_body && !e.is_timeout() => return Ok((0, None)),
        Err(e) => return Err(format!("no answer: {}", chain(&e))),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("{status}: body cut: {e}"))?;
    if status.is_server_error() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    let path = g.url.path();
    let text = String::from_utf8_lossy(&bytes);
    check_click_answer(path, status, &headers, &text)?;
    let html = headers
        .get("content-type")
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if is_dashboard(path) && status.is_client_error() && g.method != Method::HEAD && !html {
        return Err(format!(
            "{status} of the dashboard is not HTML: {headers:?} {text}"
        ));
    }
    if status.is_client_error() && g.method != Method::HEAD {
        let shape = shape_of(g.url.path());
        let parsed = serde_json::from_slice::<Value>(&bytes);
        let ok = match (shape, &parsed) {
            (None, _) => true,
            (Some("v1"), Ok(Value::String(_))) => true,
            (Some("object"), Ok(v)) => v["error_type"].is_string() && v["message"].is_string(),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "{status} is not the promised JSON: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    let location = headers.get("location").and_then(|l| l.to_str().ok());
    Ok((status.as_u16(), reached(path, location, &text)))
}

/// The rules of click answers: a redirect goes to a web or intent URL
/// only, and is never cached; an HTML page (only clicks answer HTML) is
/// never cached or sniffed and runs no script without its CSP nonce.
/// Dashboard paths have rules of their own.
fn check_click_answer(
    path: &str,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    if is_dashboard(path) {
        return check_dashboard_answer(status, &header, body);
    }
    let no_store = header("cache-control").as_deref() == Some("no-store");
    if let Some(location) = header("location") {
        let web = ["https://", "http://", "intent://"]
            .iter()
            .any(|s| location.starts_with(s));
        if !web || location.bytes().any(|b| b <= b' ' || b == 0x7f) || !no_store {
            return Err(format!("{status}: a bad redirect to {location:?}"));
        }
    }
    let html = header("content-type").is_some_and(|t| t.starts_with("text/html"));
    if !html {
        return Ok(());
    }
    let csp = header("content-security-policy").unwrap_or_default();
    let nonce = csp
        .split("script-src 'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default();
    let nosniff = header("x-content-type-options").as_deref() == Some("nosniff");
    let tagged = format!(" nonce=\"{nonce}\"");
    let lower = body.to_ascii_lowercase();
    let untagged = ["<script", "<style"].iter().any(|element| {
        lower
            .match_indices(element)
            .any(|(at, _)| !body[at + element.len()..].starts_with(&tagged))
    });
    if nonce.len() != 22 || !nosniff || !no_store || untagged || lower.contains("<script>alert") {
        return Err(format!("{status}: an unsafe page: {csp:?} {body}"));
    }
    Ok(())
}

/// What one flood task saw: wrong answers, how often each status came,
/// and how often the dashboard's answers showed each depth reached.
type Outcome = (
    Vec<String>,
    BTreeMap<u16, usize>,
    BTreeMap<&'static str, usize>,
);

async fn flood_task(app_url: String, target: Target, task: u64, clock: TestClock) -> Outcome {
    // A fresh connection per request: a connection the server closed after
    // an unread body is never reused, so a lost answer is the server's fault.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    let health = format!("{app_url}/health");
    let mut rng = Rng::new(SEED ^ task);
    let mut big_left = BIG_BODIES_PER_TASK;
    let mut failures = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut depths = BTreeMap::new();
    for i in 0..REQUESTS_PER_TASK {
        if i % 50 == 49 {
            // The test clock stands still: move it so the per-second rate
            // limit of the account is not what answers everything.
            clock.advance(1_000);
        }
        let g = request(&mut rng, &app_url, &target, &mut big_left);
        let shown = format!(
            "seed {SEED:#x} task {task} request {i}: {} {} headers {:?} body {:?}",
            g.method,
            g.url.as_str().chars().take(160).collect::<String>(),
            g.headers
                .iter()
                .map(|(n, v)| (
                    n,
                    String::from_utf8_lossy(&v.as_bytes()[..v.len().min(60)]).into_owned()
                ))
                .collect::<Vec<_>>(),
            g.body
                .as_ref()
                .map(|b| String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned()),
        );
        let sent = send(&client, g).await;
        if let Ok((status, depth)) = sent {
            *statuses.entry(status).or_insert(0) += 1;
            if let Some(depth) = depth {
                *depths.entry(depth).or_insert(0) += 1;
            }
        }
        match sent {
            Err(e) => failures.push(format!("{shown}\n    -> {e}")),
            Ok((0, _)) => {
                let alive = client
                    .get(&health)
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                if !matches!(alive, Ok(200)) {
                    failures.push(format!("{shown}\n    -> the server stopped answering"));
                }
            }
            Ok(_) => {}
        }
    }
    (failures, statuses, depths)
}

/// Panics anywhere in the process, the server's handlers included: tokio
/// catches those, so the hook is where they show.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut panics) = PANICS.lock() {
                panics.push(info.to_string());
            }
            previous(info);
        }));
    });
}

fn assert_no_panic() {
    let panics = PANICS.lock().map(|p| p.clone()).unwrap_or_default();
    assert!(panics.is_empty(), "the server panicked: {panics:#?}");
}

type TestClock = std::sync::Arc<waylink_core::clock::ManualClock>;

/// A normal create and read through both API versions, data intact.
async fn assert_still_serves(app: &TestApp, key: &str) {
    let (status, _) = app.json("GET", "/health", None, None).await;
    assert_eq!(status, 200);
    let data = json!({"pid": "sms", "v": "%ZZ & = + \" \n ü 😀 \u{0}", "n": "1"});
    let path = format!("/api/v2.0/shortlinks/{TID}");
    let (status, body) = app
        .json(
            "POST",
            &path,
            Some(key),
            Some(json!({"data": data, "shortlink_id": "after2"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .json("GET", &format!("{path}/after2"), Some(key), None)
        .await;
    assert_eq!((status, &body["payload"]), (200, &data), "{body}");
    let v1 = format!("/shortlink/v1/{TID}");
    let (status, body) = app
        .json(
            "POST",
            &v1,
            Some(key),
            Some(json!({"data": data, "shortlink_id": "after1"})),
        )
        .await;
    assert!(status == 200 && body.is_string(), "{status} {body}");
    let (status, body) = app
        .json("GET", &format!("{v1}?id=after1"), Some(key), None)
        .await;
    assert_eq!((status, body), (200, data));
}

#[test]
fn the_route_table_of_this_test_is_the_route_table_of_the_server() {
    let source = include_str!("../src/routes/mod.rs");
    let mut served: Vec<&str> = source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .collect();
    let dashboard = routed_paths(include_str!("../src/dashboard/mod.rs"));
    assert!(dashboard.iter().all(|p| is_dashboard(p)), "{dashboard:?}");
    served.extend(dashboard);
    let mut ours: Vec<&str> = ROUTES.iter().map(|(path, _)| *path).collect();
    served.sort_unstable();
    ours.sort_unstable();
    assert_eq!(ours, served, "a route was added or removed: update ROUTES");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousands_of_malformed_requests_get_no_5xx_and_the_server_keeps_serving() {
    record_panics();
    let started = Instant::now();
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "garbage").await;
    let victim = app.create_account("victim", None).await;
    let (status, body) = app
        .json(
            "POST",
            &format!("/api/v2.0/shortlinks/{TID}"),
            Some(&account.api_key),
            Some(json!({"shortlink_id": SID, "data": {"pid": "sms"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (session, csrf) = prepare_dashboard(&app, &account.api_key).await;
    let target = Target {
        api_key: account.api_key.clone(),
        account_id: account.account_id.clone(),
        victim_id: victim.account_id,
        session: session.clone(),
        csrf,
    };
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        tasks.spawn(flood_task(
            app.address.clone(),
            target.clone(),
            task,
            app.clock.clone(),
        ));
    }
    let mut failures = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut depths = BTreeMap::new();
    while let Some(result) = tasks.join_next().await {
        let (wrong, seen, reached) = result.expect("a flood task ends");
        failures.extend(wrong);
        for (status, n) in seen {
            *statuses.entry(status).or_insert(0) += n;
        }
        for (depth, n) in reached {
            *depths.entry(depth).or_insert(0) += n;
        }
    }
    let total = TASKS as usize * REQUESTS_PER_TASK;
    // Status 0: the connection was reset while the body was still going out.
    eprintln!(
        "{total} malformed requests in {:?}: {statuses:?}; the dashboard's: {depths:?}",
        started.elapsed()
    );
    let ok = statuses.range(200..300).map(|(_, n)| n).sum::<usize>();
    assert!(
        ok > 0 && statuses.len() > 6,
        "too little reached the handlers: {statuses:?}"
    );
    assert!(
        statuses.contains_key(&302) && statuses.contains_key(&404),
        "too few clicks reached the redirect: {statuses:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} answers were wrong; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for depth in [
        "a signed-in page",
        "a form refused for its CSRF token",
        "a redirect other than to sign in",
        "an upload's results",
    ] {
        assert!(depths.contains_key(depth), "never {depth}: {depths:?}");
    }
    assert_still_serves(&app, &account.api_key).await;
    assert_dashboard_still_serves(&app, &account.api_key, &session).await;
    assert_no_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raw_malformed_http_does_not_stop_the_server() {
    record_panics();
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "rawhttp").await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let key = account.api_key.clone();
    let raw_address = address.clone();
    let answers = tokio::task::spawn_blocking(move || raw::send_all(&raw_address, &key, SEED))
        .await
        .expect("the raw cases end");
    for (case, status) in &answers {
        assert!(
            status.is_none_or(|s| s < 500),
            "{case}: answered {status:?}"
        );
    }
    tokio::task::spawn_blocking(move || raw::slowloris(&address))
        .await
        .expect("the slow clients end");
    assert_still_serves(&app, &account.api_key).await;
    assert_no_panic();
}
