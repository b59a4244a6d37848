//! Launches against a server that answers: what is sent, the order of the
//! callbacks, conversion data once per launch, `is_first_launch` and the
//! state the install leaves.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use waylink_sdk::DeepLinkStatus;
use waylink_sdk::state::StateFile;

use crate::support::{
    APP_ID, Event, FakeServer, KEY, Recorder, SHORT_LINK, feedme_conversion_data, sdk, strings,
};

fn conversions(recorder: &Recorder) -> Vec<serde_json::Map<String, Value>> {
    recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Conversion(data) => Some(data),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_install_launch_gives_conversion_data_then_the_deferred_deep_link() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);
    assert!(!sdk.install_launch_done());

    let report = sdk.start().await;

    assert_eq!(recorder.names(), ["conversion", "deep_linking"]);
    let events = recorder.events();
    let Event::Conversion(data) = &events[0] else {
        panic!("conversion data first: {events:?}");
    };
    assert_eq!(Value::Object(data.clone()), feedme_conversion_data(true));
    let Event::DeepLinking(result) = &events[1] else {
        panic!("deep linking last: {events:?}");
    };
    assert_eq!(result.status, DeepLinkStatus::Found);
    let link = result.deep_link.as_ref().expect("deep link");
    assert!(link.is_deferred());
    assert_eq!(link.deep_link_value(), Some("bananas"));
    assert_eq!(link.match_type(), Some("referrer"));
    assert_eq!(link.get("click_http_referrer"), Some(&Value::Null));
    assert_eq!(report.conversion_data, Some(Ok(data.clone())));
    assert_eq!(&report.deep_link, result);
    assert_eq!(report.app_open_attribution, None);
}

#[tokio::test]
async fn an_answered_install_launch_is_recorded_in_the_state_file() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);
    sdk.start().await;
    assert!(sdk.install_launch_done());
    let stored = StateFile::in_dir(dir.path(), APP_ID).load().expect("state");
    assert!(stored.install_launch_done);
    assert_eq!(stored.device_id, sdk.device_id());
    assert_eq!(
        stored.last_conversion_data.map(Value::Object),
        Some(feedme_conversion_data(true))
    );
}

#[tokio::test]
async fn conversion_data_comes_once_per_launch_and_only_the_install_is_first() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);
    sdk.start().await;
    sdk.start().await;
    // A new instance over the same state is the same device, as after an
    // app restart.
    let restarted = support::sdk(&server.url, dir.path(), &recorder);
    restarted.start().await;

    let firsts: Vec<Value> = conversions(&recorder)
        .iter()
        .map(|d| d["is_first_launch"].clone())
        .collect();
    assert_eq!(firsts, [json!(true), json!(false), json!(false)]);
    assert_eq!(
        recorder.names(),
        ["conversion", "deep_linking"].repeat(3),
        "each launch: one conversion data callback, then deep linking"
    );
    let Some(Event::DeepLinking(later)) = recorder.events().pop() else {
        panic!("deep linking last");
    };
    assert_eq!(later.status, DeepLinkStatus::NotFound);
    assert_eq!(server.count("/sdk/v1/launch"), 3);
}

#[tokio::test]
async fn a_launch_sends_the_app_key_and_the_device_as_the_contract_says() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);
    sdk.start().await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/sdk/v1/launch");
    assert_eq!(requests[0].authorization.as_deref(), Some(KEY));
    assert_eq!(
        requests[0].body,
        json!({
            "device_id": sdk.device_id(), "platform": "android", "os_version": "14",
            "device_model": "Pixel 8",
            "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8)",
            "advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d",
            "install_referrer": "waylink_click_id=abc&pid=sms&c=bananas"
        })
    );
}

#[tokio::test]
async fn a_launch_by_a_short_link_gives_conversion_data_app_open_then_deep_link() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let report = sdk.start_with_url(SHORT_LINK).await;

    assert_eq!(recorder.names(), ["conversion", "app_open", "deep_linking"]);
    assert_eq!(
        server.requests()[0].body["deep_link_url"],
        json!(SHORT_LINK)
    );
    let expected = strings(&[
        ("pid", "sms"),
        ("c", "bananas"),
        ("deep_link_value", "bananas"),
        ("fruit_name", "banana"),
        ("link", SHORT_LINK),
        ("scheme", "https"),
        ("host", "feedme.links.example"),
        ("path", "/H5hv/bananas7"),
        ("media_source", "sms"),
        ("campaign", "bananas"),
        ("shortlink", "bananas7"),
    ]);
    assert_eq!(report.app_open_attribution, Some(Ok(expected)));
    let link = report.deep_link.deep_link.expect("found");
    assert!(!link.is_deferred());
    assert_eq!(link.link(), Some(SHORT_LINK));
    assert_eq!(link.media_source(), Some("sms"));
}

#[tokio::test]
async fn a_launch_by_a_long_link_reads_the_link_locally_and_still_sends_it() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);
    let url = "https://feedme.links.example/H5hv?pid=email&c=apples&deep_link_value=apples";

    let report = sdk.start_with_url(url).await;

    assert_eq!(recorder.names(), ["conversion", "app_open", "deep_linking"]);
    assert_eq!(server.requests()[0].body["deep_link_url"], json!(url));
    let map = report
        .app_open_attribution
        .expect("attribution")
        .expect("resolved");
    assert_eq!(map["media_source"], "email");
    assert_eq!(map["campaign"], "apples");
    assert_eq!(
        report.deep_link.deep_link.expect("found").deep_link_value(),
        Some("apples")
    );
}

#[tokio::test]
async fn a_launch_by_something_that_is_not_a_link_is_a_plain_launch_plus_a_failure() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let report = sdk.start_with_url("https://feedme.links.example/").await;

    assert_eq!(
        recorder.names(),
        ["conversion", "attribution_failure", "deep_linking"]
    );
    assert!(server.requests()[0].body.get("deep_link_url").is_none());
    // The install's deferred deep link still arrives.
    assert_eq!(report.deep_link.status, DeepLinkStatus::Found);
}
