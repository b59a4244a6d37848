//! Helpers shared by the SDK and statistics test files: the Feed Me account
//! with the SDK keys of its two apps, launches and opens, and a second
//! account whose template opens another app.

#![allow(dead_code)]

use serde_json::{Value, json};

use crate::common::{TID, TestApp, v2_create};

/// The Feed Me Android app.
pub const ANDROID_APP: &str = "com.feedme.app";
/// The Feed Me iOS app.
pub const IOS_APP: &str = "id1234567";
/// Safari on an iPhone, iOS 17.1.
pub const IOS_17_1: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

/// A server with the Feed Me account, its apps and template `H5hv`.
pub struct Feedme {
    /// The server.
    pub app: TestApp,
    /// The account's API key.
    pub key: String,
    /// The SDK key of the Android app.
    pub android: String,
    /// The SDK key of the iOS app.
    pub ios: String,
}

async fn create_app(app: &TestApp, key: &str, body: Value) -> String {
    let (status, body) = app
        .json("POST", "/api/v1/apps", Some(key), Some(body))
        .await;
    assert_eq!(status, 201, "{body}");
    body["sdk_key"].as_str().expect("an SDK key").to_owned()
}

/// A fresh server with the Feed Me fixture, keeping the apps' SDK keys.
pub async fn feedme_sdk() -> Feedme {
    let app = TestApp::spawn().await;
    let key = app.create_account("feedme", None).await.api_key;
    let android = create_app(
        &app,
        &key,
        json!({"platform": "android", "app_id": ANDROID_APP}),
    )
    .await;
    let ios = create_app(
        &app,
        &key,
        json!({"platform": "ios", "app_id": IOS_APP, "bundle_id": ANDROID_APP, "team_id": "ABCDE12345"}),
    )
    .await;
    let (status, body) = app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&key),
            Some(json!({"id": TID, "subdomain": "feedme", "android_app_id": ANDROID_APP,
                "ios_app_id": IOS_APP, "uri_scheme": "feedme", "brand_domains": ["go.feedme.example"]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    Feedme {
        app,
        key,
        android,
        ios,
    }
}

/// Another account: its API key, and the SDK key of its Android app
/// `com.other.app`, which its template `Oth1` (subdomain `other`) opens.
pub async fn other_account(app: &TestApp) -> (String, String) {
    let key = app.create_account("other", None).await.api_key;
    let sdk = create_app(
        app,
        &key,
        json!({"platform": "android", "app_id": "com.other.app"}),
    )
    .await;
    let (status, body) = app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&key),
            Some(json!({"id": "Oth1", "subdomain": "other", "android_app_id": "com.other.app"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (key, sdk)
}

/// Creates short link `sid` of template `tid` with `data` and `ttl`.
pub async fn link_in(app: &TestApp, key: &str, tid: &str, sid: &str, data: Value, ttl: &str) {
    let body = json!({"data": data, "shortlink_id": sid, "ttl": ttl});
    let (status, body) = v2_create(app, key, tid, body).await;
    assert_eq!(status, 200, "{body}");
}

/// `POST /sdk/v1/launch` with an SDK key.
pub async fn launch(app: &TestApp, sdk_key: &str, body: Value) -> (u16, Value) {
    app.json("POST", "/sdk/v1/launch", Some(sdk_key), Some(body))
        .await
}

/// `POST /sdk/v1/open` with an SDK key.
pub async fn open(app: &TestApp, sdk_key: &str, body: Value) -> (u16, Value) {
    app.json("POST", "/sdk/v1/open", Some(sdk_key), Some(body))
        .await
}

/// A launch that must succeed: its answer.
pub async fn launched(app: &TestApp, sdk_key: &str, body: Value) -> Value {
    let (status, answer) = launch(app, sdk_key, body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// An open that must succeed: its answer.
pub async fn opened(app: &TestApp, sdk_key: &str, body: Value) -> Value {
    let (status, answer) = open(app, sdk_key, body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The decoded `referrer` parameter of a Play Store URL.
pub fn referrer_of(play_store_url: &str) -> String {
    let url = reqwest::Url::parse(play_store_url).expect("a URL");
    url.query_pairs()
        .find(|(k, _)| k == "referrer")
        .map(|(_, v)| v.into_owned())
        .expect("a referrer parameter")
}

/// Conversion data of an organic install.
pub fn organic(install_time: &str, first: bool) -> Value {
    json!({"af_status": "Organic", "af_message": "organic install",
        "is_first_launch": first, "install_time": install_time, "iscache": false})
}

/// The `match_type` of an answer's conversion data, or `"organic"`.
pub fn match_type(answer: &Value) -> &str {
    let data = &answer["conversion_data"];
    match data["af_status"].as_str() {
        Some("Organic") => "organic",
        _ => data["match_type"].as_str().expect("a match type"),
    }
}

/// `{"status": "NOT_FOUND"}`.
pub fn not_found() -> Value {
    json!({"status": "NOT_FOUND"})
}
