//! What a click leaves behind: the stored click and what it tells, the IP
//! only as a keyed hash, `--trusted-proxy`, TTL renewal, crawlers that are
//! never clicks, the metrics, and the bounded click queue.

mod clicks;
mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use clicks::*;
use common::*;
use serde_json::json;
use tokio::sync::oneshot;
use waylink_core::click::Click;
use waylink_core::clock::{HOUR_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;
use waylink_server::Cidr;
use waylink_server::clicks::{ClickMetrics, click_queue};
use waylink_server::client_ip::ip_hash;
use waylink_store::Store;
use waylink_store::sqlite::{Durability, SqliteStore};

/// The keyed hash this server stores for `ip`.
fn hash_of(app: &TestApp, ip: &str) -> String {
    ip_hash(&app.state.ip_hash_key, ip.parse::<IpAddr>().unwrap())
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_stored_click_holds_its_redirects_click_id_and_all_the_request_told() {
    let (app, _key) = with_link().await;
    app.advance(12_345);
    let extra = [("referer", "https://news.example/post?id=7")];
    let path = format!("/{TID}/bananas7?gaid=38400000-8cf0-11bd-b23e-10b96e40000d&af_sub1=fb");
    let reply = send(&app, "GET", FEEDME, &path, ANDROID, &extra).await;
    let stored = nth_click(&app, 0).await;
    assert_eq!(
        reply.location(),
        play(&stored.click_id, "%26pid%3Dsms%26c%3Dbananas")
    );
    assert_eq!(stored.click_id.len(), 25);
    assert!(stored.click_id.bytes().all(|b| b.is_ascii_alphanumeric()));
    let expected = Click {
        click_id: stored.click_id.clone(),
        at: START.plus_millis(12_345),
        template_id: TemplateId::from_stored(TID.into()),
        shortlink_id: Some("bananas7".into()),
        data: map(&[
            ("pid", "sms"),
            ("c", "bananas"),
            ("gaid", "38400000-8cf0-11bd-b23e-10b96e40000d"),
            ("af_sub1", "fb"),
        ]),
        device: DeviceKind::Android,
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
        referer: Some("https://news.example/post?id=7".into()),
        advertising_id: Some("38400000-8cf0-11bd-b23e-10b96e40000d".into()),
        ip_hash: Some(hash_of(&app, "127.0.0.1")),
        expired: false,
    };
    assert_eq!(stored, expected);
    let hash = stored.ip_hash.unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()) && !hash.contains("127.0.0.1"));
}

#[tokio::test]
async fn the_advertising_id_is_advertising_id_or_gaid_on_android_and_idfa_on_ios() {
    let (app, _key) = feedme().await;
    let cases = [
        (ANDROID, "advertising_id=a-1&idfa=i-1", Some("a-1")),
        (ANDROID, "gaid=g-1&idfa=i-1", Some("g-1")),
        (ANDROID, "idfa=i-1", None),
        (IOS, "idfa=i-1&gaid=g-1&advertising_id=a-1", Some("i-1")),
        (IOS, "gaid=g-1", None),
        (DESKTOP, "idfa=i-1&gaid=g-1&advertising_id=a-1", None),
    ];
    for (n, (ua, query, expected)) in cases.into_iter().enumerate() {
        click(&app, FEEDME, &format!("/{TID}?{query}"), ua).await;
        let stored = nth_click(&app, n).await;
        assert_eq!(stored.advertising_id.as_deref(), expected, "{query}");
    }
}

#[tokio::test]
async fn equal_ips_hash_equal_and_x_forwarded_for_is_ignored_without_a_trusted_proxy() {
    let (app, _key) = feedme().await;
    for xff in ["198.51.100.7", "203.0.113.9, 10.0.0.1", ""] {
        app.advance(1);
        let extra: &[(&str, &str)] = if xff.is_empty() {
            &[]
        } else {
            &[("x-forwarded-for", xff)]
        };
        send(&app, "GET", FEEDME, &format!("/{TID}"), DESKTOP, extra).await;
    }
    let peer = Some(hash_of(&app, "127.0.0.1"));
    let hashes: Vec<_> = app
        .stored_clicks(TID, 3)
        .await
        .into_iter()
        .map(|c| c.ip_hash)
        .collect();
    assert_eq!(hashes, [peer.clone(), peer.clone(), peer]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_first_x_forwarded_for_address_is_the_client() {
    let app = TestApp::spawn_with(|config| {
        config.trusted_proxies = vec![Cidr::parse("127.0.0.1/32").unwrap()];
    })
    .await;
    app.feedme(TID, "feedme").await;
    let sent = [
        "198.51.100.7",
        "198.51.100.7, 10.0.0.1",
        "203.0.113.9",
        "not an ip",
        "",
    ];
    for xff in sent {
        app.advance(1);
        let extra: &[(&str, &str)] = if xff.is_empty() {
            &[]
        } else {
            &[("x-forwarded-for", xff)]
        };
        send(&app, "GET", FEEDME, &format!("/{TID}"), DESKTOP, extra).await;
    }
    let hashes: Vec<_> = app
        .stored_clicks(TID, 5)
        .await
        .into_iter()
        .map(|c| c.ip_hash.unwrap())
        .collect();
    let client = hash_of(&app, "198.51.100.7");
    let expected = [
        client.clone(),
        client,
        hash_of(&app, "203.0.113.9"),
        hash_of(&app, "127.0.0.1"),
        hash_of(&app, "127.0.0.1"),
    ];
    assert_eq!(hashes, expected);
    assert_ne!(expected[0], expected[2]);
}

#[tokio::test]
async fn a_click_on_a_live_link_renews_its_ttl_unless_made_with_renew_ttl_false() {
    let (app, key) = feedme().await;
    for (sid, renew) in [("renews", true), ("fixed", false)] {
        let body = json!({"data": {}, "shortlink_id": sid, "ttl": "1d", "renew_ttl": renew});
        assert_eq!(v2_create(&app, &key, TID, body).await.0, 200);
    }
    app.advance(10 * HOUR_MS);
    assert_eq!(ttl_of(&app, &key, "renews").await, 14 * 3_600);
    for (n, sid) in ["renews", "fixed"].into_iter().enumerate() {
        send(&app, "GET", FEEDME, &format!("/{TID}/{sid}"), IOS, &[]).await;
        nth_click(&app, n).await;
    }
    assert_eq!(ttl_of(&app, &key, "renews").await, DAY_SECS);
    assert_eq!(ttl_of(&app, &key, "fixed").await, 14 * 3_600);
    // Renewed from the click's time: 20 hours on, 4 hours are left.
    app.advance(20 * HOUR_MS);
    assert_eq!(ttl_of(&app, &key, "renews").await, 4 * 3_600);
    let (status, _) = v2_read(&app, &key, TID, "fixed").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn crawlers_get_the_preview_and_no_click_is_recorded() {
    let (app, _key) = with_link().await;
    for ua in CRAWLERS
        .iter()
        .chain(&["Pinterest/0.2", "Mozilla/5.0 (compatible; bingbot/2.0)"])
    {
        for path in ["/H5hv/bananas7", "/H5hv?pid=x", "/H5hv/gone"] {
            let reply = click(&app, FEEDME, path, ua).await;
            assert_eq!(reply.status, 200, "{ua}");
            assert!(
                reply
                    .body
                    .contains("<meta property=\"og:title\" content=\"Open in the app\">")
            );
            assert_click_headers(&reply);
        }
    }
    // A person's click after them is the only one stored.
    click(&app, FEEDME, "/H5hv/bananas7", DESKTOP).await;
    let clicks = app.stored_clicks(TID, 1).await;
    assert_eq!(clicks.len(), 1);
    assert_eq!(clicks[0].device, DeviceKind::Desktop);
    assert_eq!(queued(&app), 1);
}

fn metric(text: &str, name: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("{name} is not in {text}"));
    line[name.len() + 1..].parse().expect("a number")
}

#[tokio::test]
async fn metrics_show_the_clicks_queued_and_written() {
    let (app, _key) = feedme().await;
    let before = app.send("GET", "/metrics", None, None).await;
    assert_eq!(
        before.headers()["content-type"],
        "text/plain; version=0.0.4"
    );
    let before = before.text().await.unwrap();
    assert_eq!(metric(&before, "waylink_clicks_written_total"), 0);
    for _ in 0..7 {
        click(&app, FEEDME, "/H5hv?pid=x", ANDROID).await;
    }
    assert_eq!(app.stored_clicks(TID, 7).await.len(), 7);
    // The counter follows the commit; wait for it as for the clicks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let text = loop {
        let text = app
            .send("GET", "/metrics", None, None)
            .await
            .text()
            .await
            .unwrap();
        if metric(&text, "waylink_clicks_written_total") == 7
            || std::time::Instant::now() > deadline
        {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let shown: Vec<u64> = [
        "waylink_clicks_queued_total",
        "waylink_clicks_written_total",
        "waylink_clicks_dropped_total",
        "waylink_clicks_failed_total",
        "waylink_click_queue_depth",
    ]
    .iter()
    .map(|name| metric(&text, name))
    .collect();
    assert_eq!(shown, [7, 7, 0, 0, 0], "{text}");
}

fn queued_click(n: usize) -> Click {
    Click {
        click_id: format!("click{n:02}"),
        at: Timestamp::from_millis(1_000 + n as i64),
        template_id: TemplateId::from_stored("Qu3u".into()),
        shortlink_id: None,
        data: map(&[("n", &n.to_string())]),
        device: DeviceKind::Desktop,
        os_version: None,
        device_model: None,
        referer: None,
        advertising_id: None,
        ip_hash: None,
        expired: false,
    }
}

fn counts(m: &ClickMetrics) -> [u64; 4] {
    [&m.queued, &m.dropped, &m.written, &m.failed].map(|c| c.load(Ordering::Relaxed))
}

#[tokio::test]
async fn a_full_click_queue_drops_and_counts_and_its_writer_stores_every_queued_click_on_stop() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path(), Durability::Process).unwrap());
    const CAPACITY: usize = 5;
    let (queue, writer) = click_queue(CAPACITY, Arc::clone(&store));
    for n in 0..CAPACITY + 3 {
        queue.submit(queued_click(n));
    }
    assert_eq!(counts(queue.metrics()), [5, 3, 0, 0]);
    assert_eq!(queue.depth(), CAPACITY);
    let template = TemplateId::from_stored("Qu3u".into());
    let listed = store
        .list_clicks(&template, Timestamp::from_millis(0), 100)
        .await
        .unwrap();
    assert!(
        listed.is_empty(),
        "nothing is written before the writer runs"
    );
    let (stop, stopped) = oneshot::channel();
    stop.send(()).unwrap();
    writer.run(stopped).await;
    let stored = store
        .list_clicks(&template, Timestamp::from_millis(0), 100)
        .await
        .unwrap();
    let expected: Vec<Click> = (0..CAPACITY).map(queued_click).collect();
    assert_eq!(stored, expected);
    assert_eq!(counts(queue.metrics()), [5, 3, 5, 0]);
    assert_eq!(queue.depth(), 0);
    // Once the writer is gone, a click is dropped and counted, never lost silently.
    queue.submit(queued_click(99));
    assert_eq!(counts(queue.metrics()), [5, 4, 5, 0]);
}

#[tokio::test]
async fn a_running_writer_stores_clicks_as_they_come_and_the_rest_when_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path(), Durability::Process).unwrap());
    let (queue, writer) = click_queue(100, Arc::clone(&store));
    let (stop, stopped) = oneshot::channel();
    let running = tokio::spawn(writer.run(stopped));
    let template = TemplateId::from_stored("Qu3u".into());
    for n in 0..40 {
        queue.submit(queued_click(n));
    }
    stop.send(()).unwrap();
    running.await.unwrap();
    let stored = store
        .list_clicks(&template, Timestamp::from_millis(0), 100)
        .await
        .unwrap();
    assert_eq!(stored, (0..40).map(queued_click).collect::<Vec<_>>());
    assert_eq!(counts(queue.metrics()), [40, 0, 40, 0]);
}
