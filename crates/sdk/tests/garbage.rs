//! No input makes the SDK panic: arbitrary strings as links, and answers
//! that are not what the contract promises (not JSON, wrong types, huge,
//! endless). Whatever comes back, every launch still gets exactly one
//! conversion data callback and one deep-linking callback.

mod support;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use waylink_sdk::{DeepLinkError, DeepLinkStatus, parse_link_locally};

use crate::support::{FakeServer, Mode, Recorder, SHORT_LINK, builder, closed_url};

/// Link-like text: the shapes the parser branches on, with arbitrary parts.
fn linkish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "(https?|feedme|HTTP|javascript|data)(:|://|:///)[a-zA-Z0-9.%@:\\[\\]-]{0,20}(/[^?#]{0,12}){0,4}(\\?[^#]{0,40})?(#.{0,8})?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_link_locally_never_panics_and_keeps_the_url(text in linkish()) {
        if let Some(link) = parse_link_locally(&text) {
            prop_assert_eq!(&link.url, &text);
            let map = link.app_open_attribution();
            for key in ["link", "scheme", "host", "path"] {
                prop_assert!(map.contains_key(key), "{} missing", key);
            }
            prop_assert!(link.deep_link().values().contains_key("is_deferred"));
        }
    }
}

#[test]
fn handle_url_never_panics_on_arbitrary_text_with_the_server_down() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = runtime.block_on(async {
        builder(&closed_url().await, dir.path(), &recorder)
            .max_retries(0)
            .build()
            .expect("build")
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&linkish(), |text| {
            recorder.clear();
            let report = runtime.block_on(sdk.handle_url(&text));
            prop_assert_eq!(recorder.names().len(), 2);
            match report.deep_link.status {
                DeepLinkStatus::Found => prop_assert!(report.deep_link.deep_link.is_some()),
                DeepLinkStatus::NotFound => prop_assert!(report.deep_link.error.is_none()),
                DeepLinkStatus::Error => prop_assert!(report.deep_link.error.is_some()),
            }
            Ok(())
        })
        .expect("no failure");
}

/// Launch answers that break the contract in every way a broken server or
/// a proxy might.
fn garbage_bodies() -> Vec<String> {
    vec![
        String::new(),
        "<html>captive portal</html>".into(),
        "null".into(),
        "[]".into(),
        "\"conversion_data\"".into(),
        r#"{"conversion_data": 5, "deep_link": "FOUND"}"#.into(),
        r#"{"conversion_data": [], "deep_link": {"status": "FOUND"}}"#.into(),
        r#"{"conversion_data": {}, "deep_link": {"status": 7}}"#.into(),
        r#"{"conversion_data": {}, "deep_link": {"status": "ERROR", "error": 3}}"#.into(),
        r#"{"conversion_data": {}, "deep_link": null, "app_open_attribution": [1]}"#.into(),
        r#"{"deep_link": {"status": "FOUND", "deep_link": {"is_deferred": "yes"}}}"#.into(),
        r#"{"app_open_attribution": {"a": 1, "b": null, "c": {"d": true}}}"#.into(),
        format!(
            "{{\"conversion_data\": {{\"x\": \"{}\"}}}}",
            "y".repeat(2 << 20)
        ),
        "{\"conversion_data\": {".repeat(1000),
    ]
}

#[tokio::test]
async fn garbage_answers_give_one_callback_of_each_kind_and_no_panic() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .build()
        .expect("build");
    for body in garbage_bodies() {
        server.set_mode(Mode::Raw(body.clone()));
        let shown: String = body.chars().take(60).collect();
        for url in [None, Some(SHORT_LINK)] {
            recorder.clear();
            let report = match url {
                None => sdk.start().await,
                Some(url) => sdk.start_with_url(url).await,
            };
            let names = recorder.names();
            assert_eq!(names.last(), Some(&"deep_linking"), "{shown}");
            let conversions = names.iter().filter(|n| n.starts_with("conversion")).count();
            assert_eq!(conversions, 1, "{shown}: {names:?}");
            assert!(report.conversion_data.is_some());

            recorder.clear();
            sdk.handle_url(SHORT_LINK).await;
            assert_eq!(recorder.names().len(), 2, "{shown}");
        }
    }
}

#[tokio::test]
async fn an_answer_over_a_mebibyte_is_refused_as_unexpected() {
    let server = FakeServer::start().await;
    let big = format!(
        "{{\"conversion_data\": {{\"x\": \"{}\"}}}}",
        "y".repeat(2 << 20)
    );
    server.set_mode(Mode::Raw(big));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .build()
        .expect("build");

    let report = sdk.start().await;

    let Some(DeepLinkError::Unexpected(why)) = report.deep_link.error else {
        panic!("unexpected answer: {:?}", report.deep_link);
    };
    assert!(why.contains("over"), "{why}");
    assert_eq!(
        server.count("/sdk/v1/launch"),
        1,
        "a garbage 200 is not retried"
    );
}

/// A server that answers every connection with a chunked body that never
/// ends: only the SDK's cap stops the reading. Plain threads, so the test
/// needs no more of tokio than the SDK does.
fn endless_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = format!("10000\r\n{}\r\n", "[".repeat(0x10000));
                // Ends when the SDK hangs up.
                while socket.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    url
}

#[tokio::test]
async fn an_endless_answer_is_cut_at_the_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&endless_server(), dir.path(), &recorder)
        .udl_timeout(Duration::from_secs(10))
        .build()
        .expect("build");

    let report = sdk.start().await;

    let Some(DeepLinkError::Unexpected(why)) = report.deep_link.error else {
        panic!("cut at the cap: {:?}", report.deep_link);
    };
    assert!(why.contains("over 1048576 bytes"), "{why}");
}

#[tokio::test]
async fn a_404_to_an_open_is_a_link_not_found() {
    let server = FakeServer::start().await;
    server.set_mode(Mode::Status(404));
    let dir = tempfile::tempdir().expect("tempdir");
    let recorder = Arc::new(Recorder::default());
    let sdk = builder(&server.url, dir.path(), &recorder)
        .build()
        .expect("build");

    let report = sdk.handle_url(SHORT_LINK).await;

    assert_eq!(recorder.names(), ["attribution_failure", "deep_linking"]);
    assert_eq!(report.deep_link.status, DeepLinkStatus::NotFound);
    assert_eq!(server.count("/sdk/v1/open"), 1, "a 4xx is not retried");
}
