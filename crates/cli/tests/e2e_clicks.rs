//! End-to-end tests of the click pipeline of the real `waylink` binary:
//! redirects answered at once, clicks written in the background, and every
//! queued click written before the process exits on SIGTERM or SIGINT.
//!
//! The clicks are read back with the store itself, from the data directory
//! the binary wrote.

#[allow(dead_code)]
#[path = "e2e/support.rs"]
mod support;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_store::Store;
use waylink_store::sqlite::{Durability, SqliteStore};

use crate::support::{Api, Running, start_serve, wait_timeout};

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
/// Clicks in flight at once during a burst.
const TASKS: usize = 32;
/// How long the process may take to exit after the signal.
const STOP: Duration = Duration::from_secs(30);

/// A server on `dir` with the feedme account, its Android app, template
/// `H5hv` and the short link `bananas7`.
async fn serve_bananas(dir: &Path) -> Running {
    let server = start_serve(dir, false);
    let api = Api::new(&server.base);
    let key = api.feedme().await;
    let create = json!({"shortlink_id": "bananas7", "data": {"pid": "sms", "c": "bananas"}});
    let (status, url) = api
        .call("POST", "/shortlink/v1/H5hv", Some(&key), Some(create))
        .await;
    assert_eq!(
        (status, url),
        (200, json!("https://feedme.links.test/H5hv/bananas7"))
    );
    server
}

/// A client that hands redirects back instead of following them.
fn click_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// One Android click on `bananas7`: the status (0 if no answer came) and
/// the click id of the Play Store redirect's install referrer.
async fn click(client: &reqwest::Client, base: &str) -> (u16, Option<String>) {
    let sent = client
        .get(format!("{base}/H5hv/bananas7"))
        .header("host", "feedme.links.test")
        .header("user-agent", ANDROID)
        .send()
        .await;
    let Ok(response) = sent else {
        return (0, None);
    };
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(click_id_of);
    (response.status().as_u16(), location)
}

/// `waylink_click_id` of a Play Store URL's `referrer`, which is itself a
/// percent-encoded `waylink_click_id=...&pid=...&c=...`.
fn click_id_of(location: &str) -> Option<String> {
    let url = reqwest::Url::parse(location).ok()?;
    if url.host_str() != Some("play.google.com") {
        return None;
    }
    let (_, referrer) = url.query_pairs().find(|(k, _)| k == "referrer")?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(referrer.as_bytes())
        .into_owned()
        .collect();
    let has = |key: &str, value: &str| pairs.iter().any(|(k, v)| k == key && v == value);
    assert!(
        has("pid", "sms") && has("c", "bananas"),
        "referrer {referrer:?}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "waylink_click_id")
        .map(|(_, v)| v)
}

/// `n` clicks, [`TASKS`] at a time; answers every click's outcome.
async fn burst(client: &reqwest::Client, base: &str, n: usize) -> Vec<(u16, Option<String>)> {
    let taken = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (client, base, taken) = (client.clone(), base.to_owned(), Arc::clone(&taken));
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while taken.fetch_add(1, Ordering::Relaxed) < n {
                    answers.push(click(&client, &base).await);
                }
                answers
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for task in tasks {
        answers.extend(task.await.expect("a click task ends"));
    }
    answers
}

/// Sends `signal` (`-TERM`, `-INT`) and waits for a successful exit;
/// answers how long the exit took.
fn stop(server: &mut Running, signal: &str) -> Duration {
    let pid = server.child.id();
    let sent = Instant::now();
    let kill = Command::new("kill")
        .arg(signal)
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(kill.success(), "kill {signal} {pid} failed");
    let Some(status) = wait_timeout(&mut server.child, STOP) else {
        panic!(
            "waylink did not exit within {STOP:?} of kill {signal}; stderr:\n{}",
            server.stderr()
        );
    };
    let took = sent.elapsed();
    assert!(
        status.success(),
        "kill {signal}: {status:?}; stderr:\n{}",
        server.stderr()
    );
    took
}

/// Every click of template `H5hv` in `store`.
async fn stored_clicks(store: &SqliteStore) -> Vec<Click> {
    store
        .list_clicks(
            &TemplateId::from_stored("H5hv".into()),
            Timestamp::from_millis(0),
            100_000,
        )
        .await
        .expect("the clicks are read")
}

/// The store of the data directory `dir`, opened beside the server.
fn open_store(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, Durability::Process).expect("the data directory opens")
}

/// Fires `n` clicks, sends `signal` as the last one is answered, and checks
/// that every redirected click was stored, once.
async fn every_click_is_stored_after(signal: &str, n: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = serve_bananas(dir.path()).await;
    let client = click_client();
    let started = Instant::now();
    let answers = burst(&client, &server.base, n).await;
    let burst_took = started.elapsed();
    // The keep-alive connections of the client stay open across the stop.
    let stop_took = stop(&mut server, signal);
    drop(client);

    let redirected = answers.iter().filter(|(status, _)| *status == 302).count();
    let others: Vec<u16> = answers
        .iter()
        .map(|(status, _)| *status)
        .filter(|s| *s != 302)
        .collect();
    let ids: Vec<&str> = answers.iter().filter_map(|(_, id)| id.as_deref()).collect();
    let stored = stored_clicks(&open_store(dir.path())).await;
    let stored_ids: HashSet<&str> = stored.iter().map(|c| c.click_id.as_str()).collect();
    eprintln!(
        "kill {signal}: {n} clicks in {burst_took:?}, {redirected} answered 302, \
         {} stored, exit {stop_took:?} after the signal",
        stored.len()
    );
    assert_eq!(redirected, n, "not every click was redirected: {others:?}");
    assert_eq!(ids.len(), redirected, "a 302 without a Play Store click id");
    assert_eq!(
        stored.len(),
        redirected,
        "{} clicks answered 302 but {} were stored",
        redirected,
        stored.len()
    );
    assert_eq!(stored_ids.len(), stored.len(), "a click id is stored twice");
    let missing: Vec<&&str> = ids.iter().filter(|id| !stored_ids.contains(**id)).collect();
    assert!(
        missing.is_empty(),
        "{} redirected click ids were not stored, such as {:?}",
        missing.len(),
        missing.first()
    );
    assert!(
        stored
            .iter()
            .all(|c| c.shortlink_id.as_deref() == Some("bananas7") && !c.expired),
        "a stored click is not on bananas7"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_click_of_a_burst_is_stored_when_sigterm_follows_at_once() {
    every_click_is_stored_after("-TERM", 2_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigint_also_drains_the_queue() {
    every_click_is_stored_after("-INT", 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_are_written_within_a_second_while_serving() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = serve_bananas(dir.path()).await;
    let (status, id) = click(&click_client(), &server.base).await;
    assert_eq!(status, 302);
    let id = id.expect("a Play Store redirect with a click id");
    // A second connection to the database the server is writing: WAL
    // lets it read while the server writes; it only reads.
    let store = open_store(dir.path());
    let started = Instant::now();
    loop {
        if stored_clicks(&store).await.iter().any(|c| c.click_id == id) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "click {id} was not stored within 2 s; stderr:\n{}",
            server.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("the click was stored within {:?}", started.elapsed());
}
