//! End to end: two real `waylink serve` processes on one PostgreSQL schema
//! behave as one service. What one node writes, the other answers at once;
//! the daily quota and the per-second rate limit count both nodes together;
//! a click redirected by one node attributes the install the other hears of.
//!
//! Each test gets a fresh schema of `WAYLINK_TEST_DATABASE_URL`, dropped
//! afterwards, and two nodes started together on it, killed at the end.
//! Without the variable each test passes at once and says on stderr that it
//! was skipped.

#[allow(dead_code)]
#[path = "e2e/support.rs"]
mod support;

use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tempfile::TempDir;
use waylink_store::postgres::{ScratchSchema, test_database_url};

use crate::support::{ADMIN, Api, Running, start};

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
/// How long a whole test may take.
const TEST_LIMIT: Duration = Duration::from_secs(180);
/// How long one node may take to see what the other wrote.
const SEEN_WITHIN: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(50);
const V1: &str = "/shortlink/v1/H5hv";
const LAUNCH: &str = "/sdk/v1/launch";

/// Two nodes on one scratch schema, and a client of each. The fields drop
/// in order: the nodes are killed before their directories and the schema
/// go.
struct Cluster {
    a: Api,
    b: Api,
    /// `http://127.0.0.1:{port}` of `a` and of `b`.
    bases: [String; 2],
    nodes: Vec<Running>,
    _dirs: [TempDir; 2],
    _schema: ScratchSchema,
}

/// Starts two nodes with `extra` flags on a fresh schema, both at once (so
/// that they also race through the migrations); `None` when no PostgreSQL
/// is configured, which is reported as a skip of the running test.
async fn cluster(extra: &[&str]) -> Option<Cluster> {
    let Some(url) = test_database_url() else {
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "skipped: WAYLINK_TEST_DATABASE_URL is not set (multi-node e2e test): {test}"
        );
        return None;
    };
    let schema = ScratchSchema::create(&url)
        .await
        .expect("a scratch schema is created on WAYLINK_TEST_DATABASE_URL");
    let name = schema.name();
    // The application name lets the schema's cleanup end leftover sessions.
    let separator = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{separator}options=-c%20search_path%3D{name}&application_name={name}");
    let dirs = [0, 1].map(|_| tempfile::tempdir().expect("a temporary directory"));
    let starts: Vec<_> = dirs
        .iter()
        .map(|dir| {
            let flags = "--base-domain links.test --db-pool-size 4 --data-dir";
            let mut args: Vec<String> = format!(
                "serve --listen 127.0.0.1:0 --database-url {url} --admin-token {ADMIN} {flags}"
            )
            .split(' ')
            .map(str::to_owned)
            .collect();
            args.push(dir.path().display().to_string());
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            tokio::task::spawn_blocking(move || {
                start(&args.iter().map(String::as_str).collect::<Vec<_>>())
            })
        })
        .collect();
    let mut nodes = Vec::new();
    for started in starts {
        nodes.push(started.await.expect("a node starts"));
    }
    Some(Cluster {
        a: Api::new(&nodes[0].base),
        b: Api::new(&nodes[1].base),
        bases: [nodes[0].base.clone(), nodes[1].base.clone()],
        nodes,
        _dirs: dirs,
        _schema: schema,
    })
}

impl Cluster {
    /// Neither node logged an error.
    fn logged_no_error(&self) {
        for node in &self.nodes {
            let log = node.stderr();
            assert!(!log.contains("ERROR"), "a node logged an error:\n{log}");
        }
    }
}

/// Runs `test` within [`TEST_LIMIT`], starts included; the cluster it owns
/// is dropped (its nodes killed, its schema dropped) either way.
async fn bounded(test: impl Future<Output = ()>) {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test ends within its limit");
}

/// Polls `probe` every [`POLL`] until it holds or `limit` passed; answers
/// how long it took, or `None`.
async fn within<F: Future<Output = bool>>(
    limit: Duration,
    mut probe: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if probe().await {
            return Some(started.elapsed());
        }
        if started.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A GET with the API key `key`.
async fn get(node: &Api, key: &str, path: &str) -> (u16, Value) {
    node.call("GET", path, Some(key), None).await
}

/// A POST of `body` with the key `key`.
async fn post(node: &Api, key: &str, path: &str, body: Value) -> (u16, Value) {
    node.call("POST", path, Some(key), Some(body)).await
}

/// An account made through the operator API of `node`: its API key.
async fn account(node: &Api, body: Value) -> String {
    let admin = format!("Bearer {ADMIN}");
    let (status, body) = post(node, &admin, "/admin/v1/accounts", body).await;
    assert_eq!(status, 201, "{body}");
    body["api_key"].as_str().expect("an api_key").to_owned()
}

/// An account (`body`) made on A; an Android app registered on A, an iOS
/// app on B, and template `H5hv` of both made on A. Answers the account's
/// API key and the SDK keys of the Android app and of the iOS app.
async fn seed(c: &Cluster, body: Value) -> (String, String, String) {
    let key = account(&c.a, body).await;
    let ios = json!({"platform": "ios", "app_id": "id1234567890", "bundle_id": "com.feedme.app", "team_id": "ABCDE12345"});
    let android = json!({"platform": "android", "app_id": "com.feedme.app"});
    let mut sdk_keys = Vec::new();
    for (node, app) in [(&c.a, android), (&c.b, ios)] {
        let (status, body) = post(node, &key, "/api/v1/apps", app).await;
        assert_eq!(status, 201, "{body}");
        sdk_keys.push(body["sdk_key"].as_str().expect("an sdk_key").to_owned());
    }
    let template = json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app",
        "ios_app_id": "id1234567890", "uri_scheme": "feedme"});
    let (status, body) = post(&c.a, &key, "/api/v1/templates", template).await;
    assert_eq!(status, 201, "{body}");
    let ios_sdk = sdk_keys.pop().expect("the iOS key");
    (key, sdk_keys.pop().expect("the Android key"), ios_sdk)
}

/// Creates `id` through the v1 API of `node`: the status and the answer.
async fn create(node: &Api, key: &str, id: &str) -> (u16, Value) {
    let body = json!({"shortlink_id": id, "data": {"pid": "sms", "c": "bananas"}});
    post(node, key, V1, body).await
}

/// A tap on `https://feedme.links.test/H5hv/bananas7` served by `base`: the
/// status and the `location`.
async fn click(base: &str, user_agent: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client");
    let response = client
        .get(format!("{base}/H5hv/bananas7"))
        .header("host", "feedme.links.test")
        .header("user-agent", user_agent)
        .send()
        .await
        .expect("the node answers");
    let location = response.headers().get("location").map(|l| l.as_bytes());
    let location = String::from_utf8_lossy(location.unwrap_or_default()).into_owned();
    (response.status().as_u16(), location)
}

/// The `referrer` of a Play Store URL, decoded as the Play Store hands it
/// to the app.
fn referrer(location: &str) -> String {
    let url = reqwest::Url::parse(location).expect("a URL");
    assert_eq!(url.host_str(), Some("play.google.com"), "{location}");
    let (_, referrer) = url
        .query_pairs()
        .find(|(k, _)| k == "referrer")
        .unwrap_or_else(|| panic!("no referrer in {location}"));
    referrer.into_owned()
}

/// Polls the statistics of `H5hv` through `node` until they count
/// `clicks` clicks: how long that took (at most 10 s).
async fn counted(node: &Api, key: &str, clicks: u64) -> Duration {
    let stats = "/api/v1/templates/H5hv/stats";
    let counted = within(Duration::from_secs(10), || async {
        get(node, key, stats).await.1["totals"]["clicks"] == json!(clicks)
    });
    counted
        .await
        .unwrap_or_else(|| panic!("{clicks} clicks were never counted"))
}

/// The wall-clock time since 1970.
fn wall_clock() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_created_on_one_node_redirects_at_once_on_the_other_and_is_read_there() {
    bounded(async {
        let Some(c) = cluster(&[]).await else { return };
        let (key, ..) = seed(&c, json!({"name": "feedme"})).await;
        let url = json!("https://feedme.links.test/H5hv/bananas7");
        assert_eq!(create(&c.a, &key, "bananas7").await, (200, url));
        let (status, location) = click(&c.bases[1], ANDROID).await;
        assert_eq!(status, 302, "{location}");
        let play = "https://play.google.com/store/apps/details?id=com.feedme.app&referrer=";
        assert!(location.starts_with(play), "{location}");
        let data = json!({"pid": "sms", "c": "bananas"});
        let read = get(&c.b, &key, &format!("{V1}?id=bananas7")).await;
        assert_eq!(read, (200, data.clone()));
        let (status, body) = get(&c.b, &key, "/api/v2.0/shortlinks/H5hv/bananas7").await;
        assert_eq!((status, &body["payload"]), (200, &data), "{body}");
        c.logged_no_error();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_update_on_one_node_and_a_delete_on_the_other_are_seen_across_within_two_seconds() {
    bounded(async {
        let Some(c) = cluster(&[]).await else { return };
        let (key, ..) = seed(&c, json!({"name": "feedme"})).await;
        let link = format!("{V1}?id=bananas7");
        assert_eq!(create(&c.a, &key, "bananas7").await.0, 200);
        let read = get(&c.b, &key, &link).await;
        assert_eq!(read, (200, json!({"pid": "sms", "c": "bananas"})));
        // Both nodes redirect the link once, so both have it cached: what
        // follows checks that their caches learn of the other's writes.
        for base in &c.bases {
            let (status, location) = click(base, ANDROID).await;
            assert_eq!(status, 302, "{location}");
            assert!(referrer(&location).contains("&pid=sms&c=bananas"), "{location}");
        }

        let update = json!({"data": {"pid": "email", "c": "apples"}});
        let (status, body) = c.a.call("PUT", &link, Some(&key), Some(update)).await;
        assert_eq!(status, 200, "{body}");
        let updated = (200, json!({"pid": "email", "c": "apples"}));
        assert_eq!(get(&c.b, &key, &link).await, updated, "the API reads the database");
        let seen = within(SEEN_WITHIN, || async {
            let (status, location) = click(&c.bases[1], ANDROID).await;
            status == 302 && referrer(&location).contains("&pid=email&c=apples")
        })
        .await;
        let seen = seen.expect("node B redirects with node A's update within 2 s");

        // A forgot the link when it updated it; a click caches it again.
        let (status, location) = click(&c.bases[0], ANDROID).await;
        assert_eq!(status, 302, "{location}");
        assert!(location.contains("apples"), "{location}");
        let (status, body) = c.b.call("DELETE", &link, Some(&key), None).await;
        assert_eq!((status, body), (200, json!("ok")));
        assert_eq!(get(&c.a, &key, &link).await, (404, json!("Not Found")));
        // A click on a deleted link routes as a missing one: no parameters.
        let gone = within(SEEN_WITHIN, || async {
            let (status, location) = click(&c.bases[0], ANDROID).await;
            status == 302 && !location.contains("apples")
        })
        .await;
        let gone = gone.expect("node A stops redirecting with the link within 2 s of node B's delete");
        eprintln!("B redirected with A's update after {seen:?}; A stopped using the link {gone:?} after B's delete");
        c.logged_no_error();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daily_quota_counts_the_creates_of_both_nodes_together() {
    bounded(async {
        let Some(c) = cluster(&[]).await else { return };
        let (key, ..) = seed(&c, json!({"name": "feedme", "daily_quota": 3})).await;
        for (node, id) in [(&c.a, "one1"), (&c.a, "two2"), (&c.b, "three3")] {
            let (status, body) = create(node, &key, id).await;
            assert_eq!(status, 200, "{id}: {body}");
        }
        for (node, id) in [(&c.a, "four4"), (&c.b, "five5")] {
            let answer = create(node, &key, id).await;
            assert_eq!(answer, (429, json!("Daily quota exceeded")), "{id}");
        }
        let (status, body) = get(&c.b, &key, "/api/v2.0/shortlinks-quota").await;
        let left = (status, &body["daily_quota"], &body["remaining_api_calls"]);
        assert_eq!(left, (200, &json!(3), &json!(0)), "{body}");
        let (status, _) = get(&c.a, &key, &format!("{V1}?id=four4")).await;
        assert_eq!(status, 404, "a create refused for the quota was made");
        c.logged_no_error();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rate_limit_counts_the_requests_of_both_nodes_in_the_same_second() {
    bounded(async {
        let Some(c) = cluster(&["--rate-limit", "5"]).await else {
            return;
        };
        let key = account(&c.a, json!({"name": "busy"})).await;
        let quota = "/api/v2.0/shortlinks-quota";
        let nodes = c.bases.each_ref().map(|base| Arc::new(Api::new(base)));
        for attempt in 1..=3 {
            // Both nodes hold a connection to the database and one from
            // the client before the burst, which starts as a second begins.
            for node in &nodes {
                let (status, body) = get(node, &key, quota).await;
                assert_eq!(status, 200, "{body}");
            }
            let into_second = Duration::from_nanos(u64::from(wall_clock().subsec_nanos()));
            let to_next = Duration::from_secs(1).saturating_sub(into_second);
            tokio::time::sleep(to_next + Duration::from_millis(10)).await;
            let (second, started) = (wall_clock().as_secs(), Instant::now());
            let requests: Vec<_> = (0..10)
                .map(|i| {
                    let (node, key) = (Arc::clone(&nodes[i % 2]), key.clone());
                    tokio::spawn(async move { (i % 2, get(&node, &key, quota).await) })
                })
                .collect();
            let mut answers = Vec::new();
            for request in requests {
                answers.push(request.await.expect("a request task ends"));
            }
            let took = started.elapsed();
            if wall_clock().as_secs() != second {
                eprintln!("attempt {attempt}: the burst took {took:?} across two seconds; again");
                continue;
            }
            let (mut passed, mut limited) = ([0, 0], 0);
            for (node, (status, body)) in &answers {
                match status {
                    200 => passed[*node] += 1,
                    429 if body["error_type"] == "rate_limit_exceeded" => limited += 1,
                    _ => panic!("{status}: {body}"),
                }
            }
            eprintln!(
                "10 requests in {took:?}, one second: {passed:?} passed on A, B; {limited} 429"
            );
            assert_eq!((passed[0] + passed[1], limited), (5, 5), "{answers:?}");
            c.logged_no_error();
            return;
        }
        panic!("three bursts of 10 requests each straddled two seconds");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_click_on_one_node_attributes_installs_launched_on_the_other_by_referrer_and_by_address()
{
    bounded(async {
        let Some(c) = cluster(&[]).await else { return };
        let (key, android_sdk, ios_sdk) = seed(&c, json!({"name": "feedme"})).await;
        assert_eq!(create(&c.a, &key, "bananas7").await.0, 200);

        // Android: the click id travels in the Play Store referrer.
        let (status, location) = click(&c.bases[0], ANDROID).await;
        assert_eq!(status, 302, "{location}");
        let referrer = referrer(&location);
        assert!(referrer.starts_with("waylink_click_id="), "{referrer}");
        let android = counted(&c.b, &key, 1).await;
        let launch =
            json!({"device_id": "d1", "platform": "android", "install_referrer": referrer});
        let (status, body) = post(&c.b, &android_sdk, LAUNCH, launch).await;
        assert_eq!(status, 200, "{body}");
        let data = &body["conversion_data"];
        assert_eq!(data["af_status"], json!("Non-organic"), "{body}");
        assert_eq!(data["match_type"], json!("referrer"), "{body}");
        assert_eq!(data["media_source"], json!("sms"), "{body}");

        // iOS, no referrer: the same keyed address hash, OS version, model.
        let (status, location) = click(&c.bases[0], IPHONE).await;
        assert_eq!(status, 302, "{location}");
        let app_store = "https://apps.apple.com/";
        assert!(location.starts_with(app_store), "{location}");
        let ios = counted(&c.b, &key, 2).await;
        let launch = json!({"device_id": "i1", "platform": "ios", "os_version": "17.1",
            "device_model": "iPhone15,2"});
        let (status, body) = post(&c.b, &ios_sdk, LAUNCH, launch).await;
        assert_eq!(status, 200, "{body}");
        let data = &body["conversion_data"];
        assert_eq!(data["af_status"], json!("Non-organic"), "{body}");
        assert_eq!(data["match_type"], json!("probabilistic"), "{body}");

        let (status, body) = get(&c.a, &key, "/api/v1/templates/H5hv/stats").await;
        assert_eq!(status, 200, "{body}");
        let installs = &body["totals"]["installs"];
        let by_kind = (&installs["referrer"], &installs["probabilistic"]);
        assert_eq!(by_kind, (&json!(1), &json!(1)), "{body}");
        eprintln!("B counted A's Android click after {android:?}, its iPhone click after {ios:?}");
        c.logged_no_error();
    })
    .await;
}
