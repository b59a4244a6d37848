//! Launches when the server fails: the cache after the install, the
//! failure callback on the install, the UDL timeout, retries of 5xx and
//! none of 4xx.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use waylink_sdk::{DeepLinkError, DeepLinkStatus};

use crate::support::{
    Event, FakeServer, Mode, Recorder, builder, closed_url, feedme_conversion_data, sdk,
};

#[tokio::test]
async fn a_later_launch_with_the_server_down_answers_from_the_cache() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    sdk(&server.url, dir.path(), &recorder).start().await;
    recorder.clear();

    let offline = sdk(&closed_url().await, dir.path(), &recorder);
    let report = offline.start().await;

    assert_eq!(recorder.names(), ["conversion", "deep_linking"]);
    let mut expected = feedme_conversion_data(false);
    expected["iscache"] = json!(true);
    let data = report.conversion_data.expect("launch").expect("cached");
    assert_eq!(Value::Object(data), expected);
    assert_eq!(report.deep_link.status, DeepLinkStatus::Error);
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Network));
}

#[tokio::test]
async fn the_install_launch_with_the_server_down_reports_conversion_data_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&closed_url().await, dir.path(), &recorder);

    let report = sdk.start().await;

    assert_eq!(recorder.names(), ["conversion_fail", "deep_linking"]);
    let Some(Err(message)) = report.conversion_data else {
        panic!("no conversion data without a server or a cache");
    };
    assert!(message.contains("cannot be reached"), "{message}");
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Network));
    assert!(!sdk.install_launch_done());
}

#[tokio::test]
async fn a_slow_server_gives_a_udl_timeout_within_the_timeout() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Delay(Duration::from_secs(5)));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .udl_timeout(Duration::from_millis(200))
        .request_timeout(Duration::from_secs(10))
        .build()
        .expect("build");

    let started = Instant::now();
    let report = sdk.start().await;

    let timed = recorder.timed();
    let (at, last) = timed.last().expect("callbacks");
    let waited = at.duration_since(started);
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_millis(900),
        "deep linking after {waited:?}"
    );
    assert!(matches!(last, Event::DeepLinking(_)));
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Timeout));
    assert_eq!(recorder.names(), ["conversion_fail", "deep_linking"]);
}

#[tokio::test]
async fn an_answer_after_the_udl_timeout_still_records_the_install() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Delay(Duration::from_millis(300)));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .udl_timeout(Duration::from_millis(50))
        .build()
        .expect("build");

    let report = sdk.start().await;
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Timeout));

    let deadline = Instant::now() + Duration::from_secs(3);
    while !sdk.install_launch_done() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sdk.install_launch_done(), "the late answer was recorded");
    assert_eq!(recorder.names().len(), 2, "no callback for the late answer");
}

#[tokio::test]
async fn a_5xx_is_retried_then_reported_as_its_status() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Status(500));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&server.url, dir.path(), &recorder);

    let report = sdk.start().await;

    assert_eq!(
        server.count("/sdk/v1/launch"),
        3,
        "one attempt, two retries"
    );
    assert_eq!(
        report.deep_link.error,
        Some(DeepLinkError::HttpStatusCode(500))
    );
    let Some(Err(message)) = report.conversion_data else {
        panic!("install launch without a cache fails");
    };
    assert!(message.contains("HTTP 500"), "{message}");
}

#[tokio::test]
async fn a_5xx_after_the_install_falls_back_to_the_cache() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .max_retries(0)
        .build()
        .expect("build");
    sdk.start().await;
    server.set_mode(Mode::Status(503));

    let report = sdk.start().await;

    let data = report.conversion_data.expect("launch").expect("cached");
    assert_eq!(data["iscache"], json!(true));
    assert_eq!(data["is_first_launch"], json!(false));
    assert_eq!(
        report.deep_link.error,
        Some(DeepLinkError::HttpStatusCode(503))
    );
    assert_eq!(
        server.count("/sdk/v1/launch"),
        2,
        "max_retries(0): no retry"
    );
}

#[tokio::test]
async fn a_401_is_not_retried_and_is_not_answered_from_the_cache() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    sdk(&server.url, dir.path(), &recorder).start().await;
    recorder.clear();
    let wrong_key = waylink_sdk::WaylinkSdk::builder(&server.url, support::APP_ID, "revoked")
        .state_dir(dir.path())
        .listener(recorder.clone())
        .build()
        .expect("build");

    let report = wrong_key.start().await;

    assert_eq!(server.count("/sdk/v1/launch"), 2, "no retry of the 401");
    assert_eq!(recorder.names(), ["conversion_fail", "deep_linking"]);
    let Some(Err(message)) = report.conversion_data else {
        panic!("a refused launch fails");
    };
    assert!(message.contains("authentication_failure"), "{message}");
    assert_eq!(
        report.deep_link.error,
        Some(DeepLinkError::HttpStatusCode(401))
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_cut_by_the_request_timeout_and_retried() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Delay(Duration::from_secs(30)));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .request_timeout(Duration::from_millis(100))
        .udl_timeout(Duration::from_secs(3))
        .max_retries(2)
        .build()
        .expect("build");

    let started = Instant::now();
    let report = sdk.start().await;

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.deep_link.error, Some(DeepLinkError::Timeout));
    assert_eq!(server.count("/sdk/v1/launch"), 3);
}
