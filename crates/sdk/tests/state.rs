//! The state file: round trip, atomic replacement, forgiving reads, a
//! device id stable across instances, and configuration errors at build.

mod support;

use std::fs;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use waylink_sdk::state::{SdkState, StateFile};
use waylink_sdk::{SdkError, WaylinkSdk};

use crate::support::{APP_ID, KEY, Recorder, closed_url, sdk};

fn state_with_cache(entries: usize) -> SdkState {
    let mut data = Map::new();
    for i in 0..entries {
        data.insert(format!("af_sub{i}"), json!(format!("value {i}")));
    }
    data.insert("af_status".into(), json!("Non-organic"));
    data.insert("http_referrer".into(), Value::Null);
    SdkState {
        device_id: "6f1c0a52-9d3e-4b7a-8c21-0e5f3a9b7d64".into(),
        install_launch_done: true,
        last_conversion_data: Some(data),
    }
}

#[test]
fn a_saved_state_reads_back_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = StateFile::in_dir(dir.path(), APP_ID);
    let state = state_with_cache(3);
    file.save(&state).expect("save");
    assert_eq!(file.load(), Some(state));
}

#[test]
fn saving_replaces_the_whole_file_and_leaves_no_temp_file_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = StateFile::in_dir(dir.path(), APP_ID);
    file.save(&state_with_cache(500)).expect("save big");
    let small = state_with_cache(1);
    file.save(&small).expect("save small");
    assert_eq!(file.load(), Some(small));
    let names: Vec<String> = fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["waylink-sdk-com.feedme.app.json".to_owned()]);
}

#[test]
fn a_temp_file_left_by_a_crash_mid_write_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = StateFile::in_dir(dir.path(), APP_ID);
    let state = state_with_cache(2);
    file.save(&state).expect("save");
    // What a crash between write and rename leaves: a half-written temp.
    fs::write(
        dir.path().join(".waylink-sdk-com.feedme.app.json.0000.tmp"),
        b"{\"device_id\": \"half",
    )
    .expect("write temp");
    assert_eq!(file.load(), Some(state.clone()));
    file.save(&state).expect("save again");
    assert_eq!(file.load(), Some(state));
}

#[test]
fn missing_and_corrupt_state_files_read_as_no_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = StateFile::in_dir(dir.path(), APP_ID);
    assert_eq!(file.load(), None);
    let huge = format!("{{\"device_id\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let corrupt: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[1, 2]".to_vec(),
        br#"{"device_id": 5}"#.to_vec(),
        br#"{"device_id": ""}"#.to_vec(),
        br#"{"device_id": "has spaces and\nnewlines"}"#.to_vec(),
        br#"{"device_id": "ok", "install_launch_done": "yes"}"#.to_vec(),
        vec![0xff, 0xfe, 0x00, 0x9c],
        huge.into_bytes(),
    ];
    for bytes in corrupt {
        fs::write(file.path(), &bytes).expect("write");
        assert_eq!(file.load(), None, "{:?}", String::from_utf8_lossy(&bytes));
    }
}

#[tokio::test]
async fn a_corrupt_state_file_makes_a_fresh_install_state_and_is_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = StateFile::in_dir(dir.path(), APP_ID);
    fs::write(file.path(), b"{\"device_id\": \"half").expect("write");
    let recorder = Arc::new(Recorder::default());
    let sdk = sdk(&closed_url().await, dir.path(), &recorder);
    assert!(!sdk.install_launch_done());
    let stored = file.load().expect("rewritten");
    assert_eq!(stored.device_id, sdk.device_id());
    assert!(!stored.install_launch_done);
    assert_eq!(stored.last_conversion_data, None);
}

#[tokio::test]
async fn the_device_id_is_stable_across_instances_with_the_same_state_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    let server = closed_url().await;
    let recorder = Arc::new(Recorder::default());
    let first = sdk(&server, dir.path(), &recorder);
    let again = sdk(&server, dir.path(), &recorder);
    let elsewhere = sdk(&server, other.path(), &recorder);
    assert_eq!(first.device_id(), again.device_id());
    assert_ne!(first.device_id(), elsewhere.device_id());
    assert_eq!(first.device_id().len(), 36);
    assert_eq!(first.state_path(), again.state_path());
}

#[test]
fn a_missing_state_dir_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("app").join("files");
    let sdk = WaylinkSdk::builder("http://127.0.0.1:9", APP_ID, KEY)
        .state_dir(&nested)
        .build()
        .expect("build");
    assert!(sdk.state_path().starts_with(&nested));
    assert!(sdk.state_path().exists());
}

#[test]
fn configuration_errors_are_reported_by_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("a-file");
    fs::write(&blocker, b"x").expect("write");
    let build = |url: &str, app: &str, key: &str, state: Option<&std::path::Path>| {
        let mut builder = WaylinkSdk::builder(url, app, key);
        if let Some(state) = state {
            builder = builder.state_dir(state);
        }
        builder.build().err()
    };
    let ok = "http://127.0.0.1:9";
    assert!(matches!(
        build("not a url", APP_ID, KEY, Some(dir.path())),
        Some(SdkError::InvalidServerUrl { .. })
    ));
    assert!(matches!(
        build(ok, " ", KEY, Some(dir.path())),
        Some(SdkError::EmptyAppId)
    ));
    assert!(matches!(
        build(ok, APP_ID, "key\nwith newline", Some(dir.path())),
        Some(SdkError::InvalidAppKey)
    ));
    assert!(matches!(
        build(ok, APP_ID, KEY, None),
        Some(SdkError::NoStateDir)
    ));
    assert!(matches!(
        build(ok, APP_ID, KEY, Some(&blocker.join("sub"))),
        Some(SdkError::State { .. })
    ));
}
