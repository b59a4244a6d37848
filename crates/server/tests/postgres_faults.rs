//! The database goes away under a running node, through a proxy the test
//! breaks: links the node has cached keep redirecting, everything that
//! needs the database answers 503 with a sentence (and soon: the node's
//! database timeout is one second here), nothing panics, and once the
//! database is back the node serves everything again by itself, with no
//! acknowledged write and no click lost.
//!
//! Runs when `WAYLINK_TEST_DATABASE_URL` names a PostgreSQL server; says
//! it was skipped otherwise.

#[path = "faults/proxy.rs"]
mod proxy;

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::{Value, json};
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_store::Changed;
use waylink_store::postgres::{ScratchSchema, test_database_url};
use waylink_test_utils::TestApp;

use proxy::{Mode, Proxy};

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
const HOST: &str = "feedme.links.test";

/// The server's database URL: through `proxy`, into `schema`, with the
/// schema's name as the application name so that its cleanup finds the
/// connections.
fn proxied_url(url: &str, proxy: &Proxy, schema: &str) -> String {
    let mut url = Url::parse(url).expect("WAYLINK_TEST_DATABASE_URL is a URL");
    url.set_host(Some("127.0.0.1")).expect("a host");
    url.set_port(Some(proxy.address.port())).expect("a port");
    // Percent-encoded by hand: the URL writer's `+` for a space is not
    // what libpq-style URLs mean by it.
    url.set_query(Some(&format!(
        "options=-c%20search_path%3D{schema}&application_name={schema}"
    )));
    url.to_string()
}

fn upstream(url: &str) -> String {
    let url = Url::parse(url).expect("WAYLINK_TEST_DATABASE_URL is a URL");
    format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    )
}

async fn click(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("host", HOST)
        .header("user-agent", ANDROID)
        .send()
        .await
        .expect("the server answers")
}

async fn create_link(app: &TestApp, key: &str, id: &str) -> (u16, Value) {
    app.json(
        "POST",
        "/api/v2.0/shortlinks/H5hv",
        Some(key),
        Some(json!({"shortlink_id": id, "data": {"pid": "sms", "c": id, "af_web_dp": "https://feedme.example/"}})),
    )
    .await
}

/// What a request answers while the database is away: 503, with a message
/// that says so, within a few seconds of the one-second timeout.
async fn assert_unavailable(answer: impl std::future::Future<Output = (u16, Value)>, what: &str) {
    let started = Instant::now();
    let (status, body) = answer.await;
    assert_eq!(status, 503, "{what}: {body}");
    let text = body.to_string();
    assert!(text.contains("database"), "{what}: {text}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{what} took {:?}",
        started.elapsed()
    );
}

async fn status_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Waits up to 10 seconds until the node applied `n` rows of the change log.
async fn applied_at_least(app: &TestApp, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
        let text = metrics.text().await.unwrap();
        let applied = text
            .lines()
            .find_map(|l| l.strip_prefix("waylink_change_log_applied_total "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        if applied >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the change log was not read within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits up to 30 seconds for `/ready` to answer 200.
async fn wait_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = app.client.get(app.url("/ready")).send().await;
        if response.is_ok_and(|r| r.status() == 200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the node did not recover within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn outage(app: &TestApp, key: &str, mode: Mode, proxy: &Proxy) {
    proxy.set(mode);
    // Cached: served without the database, and the click is queued.
    for _ in 0..5 {
        let r = click(app, "/H5hv/cached").await;
        assert_eq!(r.status(), 302, "{mode:?}: a cached link still redirects");
    }
    assert_unavailable(create_link(app, key, "during"), "a create").await;
    assert_unavailable(
        async { status_of(click(app, "/H5hv/uncached").await).await },
        "an uncached link",
    )
    .await;
    assert_unavailable(
        async { status_of(app.client.get(app.url("/ready")).send().await.unwrap()).await },
        "/ready",
    )
    .await;
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "{mode:?}: the process itself is fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_serves_cached_links_through_a_database_outage_and_recovers_by_itself() {
    let Some(url) = test_database_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: WAYLINK_TEST_DATABASE_URL is not set (PostgreSQL fault test)"
        );
        return;
    };
    let schema = ScratchSchema::create(&url).await.expect("a scratch schema");
    let proxy = Proxy::start(upstream(&url)).await;
    let database_url = proxied_url(&url, &proxy, schema.name());
    let app = TestApp::spawn_with(|config| {
        config.database_url = Some(database_url);
        config.db_timeout = Duration::from_secs(1);
        config.change_poll_interval = Duration::from_millis(100);
    })
    .await;
    let key = app.feedme("H5hv", "feedme").await.api_key;
    for id in ["cached", "uncached"] {
        let (status, body) = create_link(&app, &key, id).await;
        assert_eq!(status, 200, "{body}");
    }
    // The node has read its own template write back from the change log
    // (which forgets the hosts' templates once more): from here on what
    // the click below caches stays cached.
    applied_at_least(&app, 1).await;
    assert_eq!(click(&app, "/H5hv/cached").await.status(), 302);
    // A node caches the links it creates: "uncached" is made to look like
    // a link another node created, which this one has never read.
    app.state.cache.forget(&Changed::Link(
        TemplateId::from_stored("H5hv".into()),
        ShortlinkId::from_stored("uncached".into()),
    ));

    outage(&app, &key, Mode::Stall, &proxy).await;
    proxy.set(Mode::Open);
    wait_ready(&app).await;
    outage(&app, &key, Mode::Cut, &proxy).await;
    proxy.set(Mode::Open);
    wait_ready(&app).await;

    // Everything works again, with nothing lost: both links made before
    // the outage, a new one, and every click answered meanwhile.
    assert_eq!(click(&app, "/H5hv/uncached").await.status(), 302);
    let (status, body) = create_link(&app, &key, "after").await;
    assert_eq!(status, 200, "{body}");
    for id in ["cached", "uncached", "after"] {
        let (status, body) = app
            .json(
                "GET",
                &format!("/api/v2.0/shortlinks/H5hv/{id}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(status, 200, "{id}: {body}");
    }
    let clicks = app.stored_clicks("H5hv", 12).await;
    assert_eq!(
        clicks.len(),
        12,
        "1 + 5 + 5 clicks on cached, 1 on uncached"
    );
    drop(app);
    drop(schema);
}
