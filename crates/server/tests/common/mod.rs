//! Helpers shared by the API test files: the Feed Me fixture on a fresh
//! server, short-hands for the short-link routes, and the exact error
//! bodies the API promises.

#![allow(dead_code, unused_imports)]

use serde_json::{Value, json};
pub use waylink_test_utils::{ADMIN_TOKEN, BASE_DOMAIN, START, TestAccount, TestApp};

/// The template id of the Feed Me fixture.
pub const TID: &str = "H5hv";
/// The short URL host of the Feed Me template.
pub const HOST: &str = "https://feedme.links.test";
/// The Feed Me template's brand domain.
pub const BRAND: &str = "go.feedme.example";
/// Seconds in one day.
pub const DAY_SECS: i64 = 86_400;

/// The operator's `authorization` header value.
pub fn admin() -> String {
    format!("Bearer {ADMIN_TOKEN}")
}

/// A fresh server with the Feed Me account, apps and template `H5hv`.
pub async fn feedme() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "feedme").await;
    (app, account.api_key)
}

/// A fresh server with the Feed Me fixture whose account has `quota`.
pub async fn feedme_with_quota(quota: u64) -> (TestApp, TestAccount) {
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "feedme").await;
    let (status, body) =
        patch_account(&app, &account.account_id, json!({"daily_quota": quota})).await;
    assert_eq!(status, 200, "{body}");
    (app, account)
}

/// `PATCH /admin/v1/accounts/{id}` with the operator token.
pub async fn patch_account(app: &TestApp, account_id: &str, body: Value) -> (u16, Value) {
    app.json(
        "PATCH",
        &format!("/admin/v1/accounts/{account_id}"),
        Some(&admin()),
        Some(body),
    )
    .await
}

/// `POST /shortlink/v1/{tid}`.
pub async fn v1_create(app: &TestApp, key: &str, tid: &str, body: Value) -> (u16, Value) {
    app.json(
        "POST",
        &format!("/shortlink/v1/{tid}"),
        Some(key),
        Some(body),
    )
    .await
}

/// `GET /shortlink/v1/{tid}?id={sid}`.
pub async fn v1_read(app: &TestApp, key: &str, tid: &str, sid: &str) -> (u16, Value) {
    app.json(
        "GET",
        &format!("/shortlink/v1/{tid}?id={sid}"),
        Some(key),
        None,
    )
    .await
}

/// `PUT /shortlink/v1/{tid}?id={sid}`.
pub async fn v1_update(
    app: &TestApp,
    key: &str,
    tid: &str,
    sid: &str,
    body: Value,
) -> (u16, Value) {
    app.json(
        "PUT",
        &format!("/shortlink/v1/{tid}?id={sid}"),
        Some(key),
        Some(body),
    )
    .await
}

/// `DELETE /shortlink/v1/{tid}?id={sid}`.
pub async fn v1_delete(app: &TestApp, key: &str, tid: &str, sid: &str) -> (u16, Value) {
    app.json(
        "DELETE",
        &format!("/shortlink/v1/{tid}?id={sid}"),
        Some(key),
        None,
    )
    .await
}

/// `POST /api/v2.0/shortlinks/{tid}`.
pub async fn v2_create(app: &TestApp, key: &str, tid: &str, body: Value) -> (u16, Value) {
    app.json(
        "POST",
        &format!("/api/v2.0/shortlinks/{tid}"),
        Some(key),
        Some(body),
    )
    .await
}

/// `GET /api/v2.0/shortlinks/{tid}/{sid}`.
pub async fn v2_read(app: &TestApp, key: &str, tid: &str, sid: &str) -> (u16, Value) {
    app.json(
        "GET",
        &format!("/api/v2.0/shortlinks/{tid}/{sid}"),
        Some(key),
        None,
    )
    .await
}

/// `PUT /api/v2.0/shortlinks/{tid}/{sid}`.
pub async fn v2_update(
    app: &TestApp,
    key: &str,
    tid: &str,
    sid: &str,
    body: Value,
) -> (u16, Value) {
    app.json(
        "PUT",
        &format!("/api/v2.0/shortlinks/{tid}/{sid}"),
        Some(key),
        Some(body),
    )
    .await
}

/// `DELETE /api/v2.0/shortlinks/{tid}/{sid}`.
pub async fn v2_delete(app: &TestApp, key: &str, tid: &str, sid: &str) -> (u16, Value) {
    app.json(
        "DELETE",
        &format!("/api/v2.0/shortlinks/{tid}/{sid}"),
        Some(key),
        None,
    )
    .await
}

/// The seconds a link has left, read through v2 (panics when it is gone).
pub async fn ttl_of(app: &TestApp, key: &str, sid: &str) -> i64 {
    let (status, body) = v2_read(app, key, TID, sid).await;
    assert_eq!(status, 200, "{body}");
    body["ttl"].as_i64().expect("a ttl")
}

/// `POST /api/v1/templates/{tid}/links:batch`.
pub async fn batch(app: &TestApp, key: &str, tid: &str, items: Value) -> (u16, Value) {
    app.json(
        "POST",
        &format!("/api/v1/templates/{tid}/links:batch"),
        Some(key),
        Some(items),
    )
    .await
}

/// `GET /api/v1/templates/{tid}/links{query}`.
pub async fn list_links(app: &TestApp, key: &str, tid: &str, query: &str) -> (u16, Value) {
    app.json(
        "GET",
        &format!("/api/v1/templates/{tid}/links{query}"),
        Some(key),
        None,
    )
    .await
}

/// What is left of the account's quota, from the quota route.
pub async fn remaining(app: &TestApp, key: &str) -> u64 {
    let (status, body) = app
        .json("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["remaining_api_calls"].as_u64().expect("a count")
}

/// A v2-shaped error body.
pub fn error(error_type: &str, message: &str) -> Value {
    json!({"error_type": error_type, "message": message})
}

/// The v2-shaped body of a 400 naming `parameter`.
pub fn invalid(parameter: &str, message: &str) -> Value {
    json!({"error_type": "invalid_parameter", "message": message, "parameter": parameter})
}

/// The 404 body of an unknown (or another account's) template.
pub fn template_not_found() -> Value {
    error("not_found", "The template was not found")
}

/// The 404 body of an unknown, expired or deleted short link.
pub fn link_not_found() -> Value {
    error("not_found", "The short link was not found")
}

/// The 401 body outside `/shortlink/v1`.
pub fn unauthenticated() -> Value {
    error(
        "authentication_failure",
        "Authentication Failed: send a valid key in the authorization header",
    )
}

/// The message of a refused TTL, which shows the accepted forms.
pub fn ttl_message(shown: &str) -> String {
    format!(
        "ttl must be a positive whole number of minutes, hours or days such as \"10m\", \"20h\" or \"14d\", or a number of days such as 14; {shown} is not accepted"
    )
}

/// A header of a response as text.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("a text header").to_owned())
}

/// Width and height from a PNG's IHDR chunk.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (word(16), word(20))
}

/// True for a generated short-link id: 8 letters and digits.
pub fn is_generated_id(id: &str) -> bool {
    id.len() == 8 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The create body of an Android app.
pub fn android(app_id: &str) -> Value {
    json!({"platform": "android", "app_id": app_id, "udl_window": "1h"})
}

/// The create body of an iOS app.
pub fn ios(app_id: &str) -> Value {
    json!({"platform": "ios", "app_id": app_id, "bundle_id": "com.feedme.app", "team_id": "ABCDE12345", "udl_window": "1h"})
}

/// A server and an account with an Android app `com.a.app` and an iOS app
/// `id111`.
pub async fn with_apps() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let key = app.create_account("a", None).await.api_key;
    for body in [android("com.a.app"), ios("id111")] {
        let (status, got) = app
            .json("POST", "/api/v1/apps", Some(&key), Some(body))
            .await;
        assert_eq!(status, 201, "{got}");
    }
    (app, key)
}

/// `POST /api/v1/templates`.
pub async fn create_template(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    app.json("POST", "/api/v1/templates", Some(key), Some(body))
        .await
}

/// The Feed Me fixture with link `bananas7` (`pid=sms`, `c=bananas`).
pub async fn with_link() -> (TestApp, String) {
    let (app, key) = feedme().await;
    let (status, body) = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms", "c": "bananas"}, "shortlink_id": "bananas7"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (app, key)
}
