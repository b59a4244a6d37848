//! Opens: long and URI-scheme links read locally with exact maps and no
//! waiting, their background report to the server, short links resolved by
//! the server, and the link resolver.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use waylink_sdk::{DeepLinkError, DeepLinkStatus, LocalLinkKind, parse_link_locally};

use crate::support::{FakeServer, Mode, Recorder, SHORT_LINK, closed_url, sdk, strings};

const LONG: &str = "https://feedme.links.example/H5hv?pid=sms&c=bananas&deep_link_value=bananas&fruit_name=ripe+banana";

fn long_link_map() -> std::collections::BTreeMap<String, String> {
    strings(&[
        ("pid", "sms"),
        ("c", "bananas"),
        ("deep_link_value", "bananas"),
        ("fruit_name", "ripe banana"),
        ("link", LONG),
        ("scheme", "https"),
        ("host", "feedme.links.example"),
        ("path", "/H5hv"),
        ("media_source", "sms"),
        ("campaign", "bananas"),
    ])
}

#[tokio::test]
async fn a_long_link_is_read_locally_with_the_exact_map() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&closed_url().await, dir.path(), &recorder);

    let report = sdk.handle_url(LONG).await;

    assert_eq!(recorder.names(), ["app_open", "deep_linking"]);
    assert_eq!(report.conversion_data, None);
    assert_eq!(report.app_open_attribution, Some(Ok(long_link_map())));
    let mut values: Map<String, Value> = long_link_map()
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    values.insert("is_deferred".into(), json!(false));
    assert_eq!(report.deep_link.status, DeepLinkStatus::Found);
    assert_eq!(report.deep_link.deep_link.expect("found").values(), &values);
}

#[test]
fn a_long_link_with_a_trailing_slash_keeps_its_template() {
    let link = parse_link_locally("https://feedme.links.example/H5hv/?deep_link_value=x")
        .expect("long link");
    assert_eq!(
        link.kind,
        LocalLinkKind::Long {
            template_id: "H5hv".into()
        }
    );
    assert_eq!(link.params, strings(&[("deep_link_value", "x")]));
}

#[tokio::test]
async fn a_uri_scheme_link_is_read_locally_with_the_exact_map() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&closed_url().await, dir.path(), &recorder);
    let url = "feedme://mainactivity?deep_link_value=apples";

    let report = sdk.handle_url(url).await;

    let expected = strings(&[
        ("deep_link_value", "apples"),
        ("link", url),
        ("scheme", "feedme"),
        ("host", "mainactivity"),
        ("path", ""),
    ]);
    assert_eq!(report.app_open_attribution, Some(Ok(expected)));
    let link = report.deep_link.deep_link.expect("found");
    assert_eq!(link.deep_link_value(), Some("apples"));
    assert!(!link.is_deferred());
    assert_eq!(link.media_source(), None);
}

#[tokio::test]
async fn local_links_do_not_wait_for_the_server_but_are_reported_to_it() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Delay(Duration::from_millis(500)));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let started = Instant::now();
    sdk.handle_url(LONG).await;
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "callbacks after {:?}",
        started.elapsed()
    );
    assert_eq!(recorder.names(), ["app_open", "deep_linking"]);

    let deadline = Instant::now() + Duration::from_secs(3);
    while server.count("/sdk/v1/open") == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let open = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/sdk/v1/open")
        .expect("the open reached the server");
    assert_eq!(open.body["deep_link_url"], json!(LONG));
    assert_eq!(open.body["device_id"], json!(sdk.device_id()));
}

#[tokio::test]
async fn a_short_link_is_resolved_by_the_server() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let report = sdk.handle_url(SHORT_LINK).await;

    assert_eq!(recorder.names(), ["app_open", "deep_linking"]);
    assert_eq!(server.count("/sdk/v1/open"), 1);
    let map = report
        .app_open_attribution
        .expect("attribution")
        .expect("resolved");
    assert_eq!(map["shortlink"], "bananas7");
    assert_eq!(map["fruit_name"], "banana");
    assert_eq!(map["link"], SHORT_LINK);
    let link = report.deep_link.deep_link.expect("found");
    assert_eq!(link.deep_link_value(), Some("bananas"));
    assert!(!link.is_deferred());
}

#[tokio::test]
async fn an_unknown_short_link_gives_attribution_failure_and_not_found() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let report = sdk
        .handle_url("https://feedme.links.example/H5hv/nosuchid")
        .await;

    assert_eq!(recorder.names(), ["attribution_failure", "deep_linking"]);
    assert_eq!(
        report.app_open_attribution,
        Some(Err("the link is unknown or expired".into()))
    );
    assert_eq!(report.deep_link.status, DeepLinkStatus::NotFound);
}

#[tokio::test]
async fn a_short_link_with_the_server_down_is_a_network_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&closed_url().await, dir.path(), &recorder);

    let report = sdk.handle_url(SHORT_LINK).await;

    assert_eq!(recorder.names(), ["attribution_failure", "deep_linking"]);
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Network));
}

#[tokio::test]
async fn text_that_is_not_a_link_gives_attribution_failure_without_a_request() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    for text in ["", "not a url", "https://feedme.links.example/a/b/c"] {
        let report = sdk.handle_url(text).await;
        assert!(
            matches!(report.app_open_attribution, Some(Err(_))),
            "{text}"
        );
        assert_eq!(report.deep_link.status, DeepLinkStatus::NotFound);
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_link_resolver_gives_a_short_links_data_or_none() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let data = sdk.resolve_short_link(SHORT_LINK).await.expect("resolved");
    assert_eq!(data, Some(support::short_link_data()));
    let unknown = sdk
        .resolve_short_link("https://feedme.links.example/H5hv/gone")
        .await
        .expect("answered");
    assert_eq!(unknown, None);
    assert!(sdk.resolve_short_link(LONG).await.is_err());

    let requests = server.requests();
    assert_eq!(requests[0].path, "/shortlink-sdk/v2/H5hv");
    assert_eq!(requests[0].query.as_deref(), Some("id=bananas7"));
    assert_eq!(requests[0].authorization.as_deref(), Some(support::KEY));
    assert!(
        recorder.events().is_empty(),
        "the resolver fires no callback"
    );
}
