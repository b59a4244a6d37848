//! The daily quota, the per-second rate limit and the `x-ratelimit-*`
//! headers, on the test clock.

mod common;

use common::*;
use serde_json::json;
use waylink_core::clock::{HOUR_MS, SECOND_MS};

fn quota_429(quota: u64) -> serde_json::Value {
    error(
        "quota_exceeded",
        &format!(
            "Daily quota exceeded: {quota} link creates, updates and deletes per day; it resets at 00:00 UTC"
        ),
    )
}

/// Every request that does not touch the quota.
async fn free_requests(app: &TestApp, key: &str) {
    assert_eq!(v1_read(app, key, TID, "q1").await.0, 200);
    assert_eq!(v2_read(app, key, TID, "q1").await.0, 200);
    assert_eq!(v2_read(app, key, TID, "nosuch").await.0, 404);
    let qr = app
        .json("GET", "/api/v2.0/shortlinks/H5hv/q1/qr", Some(key), None)
        .await;
    assert_eq!(qr.0, 200);
    assert_eq!(list_links(app, key, TID, "").await.0, 200);
    assert_eq!(
        app.json("GET", "/api/v1/templates", Some(key), None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.json("GET", "/api/v1/apps", Some(key), None).await.0,
        200
    );
}

#[tokio::test]
async fn creates_updates_and_deletes_count_against_the_quota_and_reads_do_not() {
    let (app, acc) = feedme_with_quota(3).await;
    let key = acc.api_key.as_str();
    assert_eq!(remaining(&app, key).await, 3);
    assert_eq!(
        v1_create(&app, key, TID, json!({"data": {}, "shortlink_id": "q1"}))
            .await
            .0,
        200
    );
    free_requests(&app, key).await;
    assert_eq!(remaining(&app, key).await, 2);
    assert_eq!(
        v2_update(&app, key, TID, "q1", json!({"data": {"a": "b"}}))
            .await
            .0,
        200
    );
    assert_eq!(
        v2_create(&app, key, TID, json!({"data": {}, "shortlink_id": "q2"}))
            .await
            .0,
        200
    );
    assert_eq!(remaining(&app, key).await, 0);
    let body = json!({"data": {}, "shortlink_id": "q3"});
    assert_eq!(
        v2_create(&app, key, TID, body.clone()).await,
        (429, quota_429(3))
    );
    assert_eq!(
        v1_create(&app, key, TID, body.clone()).await,
        (429, json!("Daily quota exceeded"))
    );
    assert_eq!(
        v1_update(&app, key, TID, "q1", body.clone()).await,
        (429, json!("Daily quota exceeded"))
    );
    assert_eq!(
        v2_update(&app, key, TID, "q1", body.clone()).await,
        (429, quota_429(3))
    );
    assert_eq!(
        v1_delete(&app, key, TID, "q1").await,
        (429, json!("Daily quota exceeded"))
    );
    assert_eq!(v2_delete(&app, key, TID, "q1").await, (429, quota_429(3)));
    // Nothing refused was done, and reads still work past the quota.
    free_requests(&app, key).await;
    assert_eq!(
        v1_read(&app, key, TID, "q1").await,
        (200, json!({"a": "b"}))
    );
    assert_eq!(
        v1_read(&app, key, TID, "q3").await,
        (404, json!("Not Found"))
    );
    assert_eq!(remaining(&app, key).await, 0);
}

#[tokio::test]
async fn failed_creates_updates_and_deletes_count_too() {
    let (app, acc) = feedme_with_quota(5).await;
    let key = acc.api_key.as_str();
    assert_eq!(
        v1_update(&app, key, TID, "nosuch", json!({"data": {}}))
            .await
            .0,
        404
    );
    assert_eq!(v2_create(&app, key, TID, json!({})).await.0, 400);
    assert_eq!(
        v1_create(
            &app,
            key,
            TID,
            json!({"data": {}, "brand_domain": "x.example"})
        )
        .await
        .0,
        403
    );
    assert_eq!(v2_delete(&app, key, "Nope1", "x").await.0, 404);
    assert_eq!(remaining(&app, key).await, 1);
    assert_eq!(v1_create(&app, key, TID, json!({"data": {}})).await.0, 200);
    assert_eq!(
        v1_create(&app, key, TID, json!({"data": {}})).await,
        (429, json!("Daily quota exceeded"))
    );
}

#[tokio::test]
async fn the_quota_is_fresh_at_the_next_midnight_utc() {
    let (app, acc) = feedme_with_quota(1).await;
    let key = acc.api_key.as_str();
    assert_eq!(v2_create(&app, key, TID, json!({"data": {}})).await.0, 200);
    assert_eq!(
        v2_create(&app, key, TID, json!({"data": {}})).await,
        (429, quota_429(1))
    );
    // START is 12:00 UTC: midnight is twelve hours away.
    app.advance(12 * HOUR_MS - 1);
    assert_eq!(
        v2_create(&app, key, TID, json!({"data": {}})).await,
        (429, quota_429(1))
    );
    app.advance(1);
    assert_eq!(remaining(&app, key).await, 1);
    assert_eq!(v2_create(&app, key, TID, json!({"data": {}})).await.0, 200);
    assert_eq!(
        v2_create(&app, key, TID, json!({"data": {}})).await,
        (429, quota_429(1))
    );
}

#[tokio::test]
async fn account_responses_carry_the_ratelimit_headers_of_the_daily_quota() {
    let (app, acc) = feedme_with_quota(3).await;
    let key = acc.api_key.as_str();
    // "status limit remaining reset" of a response.
    let headers = |r: &reqwest::Response| {
        let [l, rem, reset] = [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ]
        .map(|h| header(r, h).unwrap_or_else(|| panic!("no {h}")));
        format!("{} {l} {rem} {reset}", r.status().as_u16())
    };
    let r = app
        .send("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!(headers(&r), "200 3 3 43200");
    let r = app
        .send(
            "POST",
            "/shortlink/v1/H5hv",
            Some(key),
            Some(r#"{"data": {}, "shortlink_id": "h"}"#.into()),
        )
        .await;
    assert_eq!(headers(&r), "200 3 2 43200");
    app.advance(2 * HOUR_MS);
    let r = app
        .send(
            "PUT",
            "/api/v2.0/shortlinks/H5hv/nosuch",
            Some(key),
            Some(r#"{"data": {}}"#.into()),
        )
        .await;
    assert_eq!(headers(&r), "404 3 1 36000");
    let r = app
        .send("GET", "/shortlink/v1/H5hv?id=h", Some(key), None)
        .await;
    assert_eq!(headers(&r), "200 3 1 36000");
    let r = app
        .send("DELETE", "/shortlink/v1/H5hv?id=h", Some(key), None)
        .await;
    assert_eq!(headers(&r), "200 3 0 36000");
    let r = app
        .send("DELETE", "/shortlink/v1/H5hv?id=h", Some(key), None)
        .await;
    assert_eq!(headers(&r), "429 3 0 36000");
    // Half a second before midnight the reset is rounded up to one second.
    app.advance(10 * HOUR_MS - 500);
    let r = app
        .send("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!(headers(&r), "200 3 0 1");
    app.advance(500);
    let r = app
        .send("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!(headers(&r), "200 3 3 86400");
    // An unauthenticated answer is no account's: it carries none.
    let r = app
        .send("GET", "/api/v2.0/shortlinks-quota", None, None)
        .await;
    assert_eq!(header(&r, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn the_sixth_request_in_one_second_is_rate_limited_until_the_next_second() {
    let app = TestApp::spawn_with(|c| c.rate_limit = 5).await;
    let key = app.feedme(TID, "feedme").await.api_key;
    app.advance(SECOND_MS);
    for _ in 0..5 {
        assert_eq!(remaining(&app, &key).await, 250000);
    }
    let message = "Rate limit exceeded: at most 5 requests per second; retry in a second";
    let r = app
        .send("GET", "/api/v2.0/shortlinks-quota", Some(&key), None)
        .await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(header(&r, "retry-after").as_deref(), Some("1"));
    assert_eq!(
        header(&r, "x-ratelimit-remaining").as_deref(),
        Some("250000")
    );
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        error("rate_limit_exceeded", message)
    );
    let r = app
        .send(
            "POST",
            "/shortlink/v1/H5hv",
            Some(&key),
            Some(r#"{"data": {}}"#.into()),
        )
        .await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(header(&r, "retry-after").as_deref(), Some("1"));
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!("Rate limit exceeded")
    );
    app.advance(SECOND_MS);
    // A request refused by the rate limit did not use the quota.
    assert_eq!(remaining(&app, &key).await, 250000);
    assert_eq!(v1_create(&app, &key, TID, json!({"data": {}})).await.0, 200);
}

#[tokio::test]
async fn an_account_gets_its_own_rate_limit_through_the_operator_api() {
    let app = TestApp::spawn().await;
    let a = app.feedme(TID, "feedme").await;
    let b = app.feedme("Bob1", "bobshop").await;
    let (status, body) = patch_account(&app, &a.account_id, json!({"rate_limit": 2})).await;
    assert_eq!((status, &body["rate_limit"]), (200, &json!(2)));
    app.advance(SECOND_MS);
    assert_eq!(remaining(&app, &a.api_key).await, 250000);
    assert_eq!(remaining(&app, &a.api_key).await, 250000);
    let limited = error(
        "rate_limit_exceeded",
        "Rate limit exceeded: at most 2 requests per second; retry in a second",
    );
    let got = app
        .json("GET", "/api/v2.0/shortlinks-quota", Some(&a.api_key), None)
        .await;
    assert_eq!(got, (429, limited));
    // Another account counts on its own.
    for _ in 0..5 {
        assert_eq!(remaining(&app, &b.api_key).await, 250000);
    }
    // Back to the server default (1000).
    let (status, _) = patch_account(&app, &a.account_id, json!({"rate_limit": null})).await;
    assert_eq!(status, 200);
    for _ in 0..5 {
        assert_eq!(remaining(&app, &a.api_key).await, 250000);
    }
}

#[tokio::test]
async fn a_body_over_256_kib_is_413_in_each_api_shape() {
    let (app, key) = feedme().await;
    let big = format!(r#"{{"data": {{"k": "{}"}}}}"#, "x".repeat(300 * 1024));
    let r = app
        .send("POST", "/shortlink/v1/H5hv", Some(&key), Some(big.clone()))
        .await;
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!("The request body is larger than this route accepts")
    );
    let r = app
        .send("POST", "/api/v2.0/shortlinks/H5hv", Some(&key), Some(big))
        .await;
    assert_eq!(r.status().as_u16(), 413);
    let body = r.json::<serde_json::Value>().await.unwrap();
    assert_eq!(
        body,
        error(
            "limit_exceeded",
            "The request body is larger than this route accepts"
        )
    );
}
