//! Tenant isolation: another account's template, link or app answers
//! exactly as one that does not exist, on every route that names one.

mod common;

use common::*;
use serde_json::{Value, json};

struct Tenants {
    app: TestApp,
    alice: String,
    bob: String,
}

/// Alice owns template `H5hv` (link `secret`, apps `com.feedme.app`);
/// Bob owns template `Bob1` on subdomain `bobshop`.
async fn tenants() -> Tenants {
    let app = TestApp::spawn().await;
    let alice = app.feedme(TID, "feedme").await.api_key;
    let bob = app.feedme("Bob1", "bobshop").await.api_key;
    let body = json!({"data": {"pid": "sms", "user": "alice-42"}, "shortlink_id": "secret"});
    assert_eq!(v1_create(&app, &alice, TID, body).await.0, 200);
    Tenants { app, alice, bob }
}

/// Bob's request on `theirs` and on `missing`: both 404, bodies equal.
async fn same_as_missing(
    t: &Tenants,
    method: &str,
    theirs: &str,
    missing: &str,
    body: Option<Value>,
) {
    let foreign = t.app.json(method, theirs, Some(&t.bob), body.clone()).await;
    let absent = t.app.json(method, missing, Some(&t.bob), body).await;
    assert_eq!(foreign.0, 404, "{method} {theirs}: {}", foreign.1);
    assert_eq!(foreign, absent, "{method} {theirs} differs from {missing}");
}

async fn alice_is_untouched(t: &Tenants) {
    let (app, key) = (&t.app, t.alice.as_str());
    assert_eq!(
        v1_read(app, key, TID, "secret").await,
        (200, json!({"pid": "sms", "user": "alice-42"}))
    );
    assert_eq!(ttl_of(app, key, "secret").await, 31 * DAY_SECS);
    let (status, template) = app
        .json("GET", "/api/v1/templates/H5hv", Some(key), None)
        .await;
    assert_eq!((status, &template["subdomain"]), (200, &json!("feedme")));
    assert_eq!(ids(&list_links(app, key, TID, "").await.1), ["secret"]);
    assert_eq!(
        app.json("GET", "/api/v1/apps/com.feedme.app", Some(key), None)
            .await
            .0,
        200
    );
}

fn ids(page: &Value) -> Vec<String> {
    page["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["shortlink_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn another_accounts_template_answers_like_a_missing_one_on_the_v1_routes() {
    let t = tenants().await;
    let data = Some(json!({"data": {"pid": "evil"}, "shortlink_id": "secret"}));
    for (method, query, body) in [
        ("POST", "", data.clone()),
        ("POST", "?id=fresh", Some(json!({"data": {}}))),
        ("GET", "?id=secret", None),
        ("PUT", "?id=secret", data.clone()),
        ("DELETE", "?id=secret", None),
    ] {
        let theirs = format!("/shortlink/v1/H5hv{query}");
        let missing = format!("/shortlink/v1/Nope1{query}");
        same_as_missing(&t, method, &theirs, &missing, body).await;
    }
    assert_eq!(
        v1_read(&t.app, &t.bob, TID, "secret").await,
        (404, json!("Not Found"))
    );
    // Alice's link id means nothing in Bob's own template either.
    for (method, body) in [("GET", None), ("PUT", data.clone()), ("DELETE", None)] {
        same_as_missing(
            &t,
            method,
            "/shortlink/v1/Bob1?id=secret",
            "/shortlink/v1/Bob1?id=nosuch",
            body,
        )
        .await;
    }
    alice_is_untouched(&t).await;
}

#[tokio::test]
async fn another_accounts_template_and_link_answer_like_missing_ones_on_the_v2_routes() {
    let t = tenants().await;
    let data = Some(json!({"data": {"pid": "evil"}}));
    same_as_missing(
        &t,
        "POST",
        "/api/v2.0/shortlinks/H5hv",
        "/api/v2.0/shortlinks/Nope1",
        data.clone(),
    )
    .await;
    for (method, suffix, body) in [
        ("GET", "", None),
        ("PUT", "", data.clone()),
        ("DELETE", "", None),
        ("GET", "/qr", None),
        ("GET", "/qr?format=svg&size=100", None),
    ] {
        let theirs = format!("/api/v2.0/shortlinks/H5hv/secret{suffix}");
        let missing = format!("/api/v2.0/shortlinks/Nope1/secret{suffix}");
        same_as_missing(&t, method, &theirs, &missing, body.clone()).await;
        let in_own = format!("/api/v2.0/shortlinks/Bob1/secret{suffix}");
        let missing_in_own = format!("/api/v2.0/shortlinks/Bob1/nosuch{suffix}");
        same_as_missing(&t, method, &in_own, &missing_in_own, body).await;
    }
    let raw = t
        .app
        .client
        .get(t.app.url("/api/v2.0/shortlinks/H5hv/secret/qr"))
        .header("authorization", &t.bob)
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 404);
    assert_eq!(
        v2_read(&t.app, &t.bob, TID, "secret").await,
        (404, template_not_found())
    );
    alice_is_untouched(&t).await;
}

#[tokio::test]
async fn another_accounts_template_answers_like_a_missing_one_on_the_account_routes() {
    let t = tenants().await;
    for (method, suffix, body) in [
        ("GET", "", None),
        (
            "PATCH",
            "",
            Some(json!({"desktop_url": "https://evil.example/"})),
        ),
        ("PATCH", "", Some(json!({"id": "Other"}))),
        ("DELETE", "", None),
        ("GET", "/links", None),
        ("GET", "/links?pid=sms&limit=5", None),
        (
            "POST",
            "/links:batch",
            Some(json!([{"data": {}, "shortlink_id": "secret"}, {"data": {}}])),
        ),
    ] {
        let theirs = format!("/api/v1/templates/H5hv{suffix}");
        let missing = format!("/api/v1/templates/Nope1{suffix}");
        same_as_missing(&t, method, &theirs, &missing, body).await;
    }
    let (status, list) = t
        .app
        .json("GET", "/api/v1/templates", Some(&t.bob), None)
        .await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["Bob1"]);
    alice_is_untouched(&t).await;
}

#[tokio::test]
async fn another_accounts_app_answers_like_a_missing_one() {
    let t = tenants().await;
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"sha256_cert_fingerprints": []}))),
        ("DELETE", None),
    ] {
        same_as_missing(
            &t,
            method,
            "/api/v1/apps/com.feedme.app",
            "/api/v1/apps/com.nosuch.app",
            body,
        )
        .await;
    }
    let (_, list) = t.app.json("GET", "/api/v1/apps", Some(&t.bob), None).await;
    let listed: Vec<&str> = list["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["app_id"].as_str().unwrap())
        .collect();
    assert!(
        !listed.contains(&"com.feedme.app") && listed.contains(&"com.bobshop.app"),
        "{list}"
    );
    // A template of Bob's may not name Alice's app: the same 400 as for none.
    let with = |app_id: &str| json!({"subdomain": "bob2", "android_app_id": app_id});
    let foreign = t
        .app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&t.bob),
            Some(with("com.feedme.app")),
        )
        .await;
    let absent = t
        .app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&t.bob),
            Some(with("com.nosuch.app")),
        )
        .await;
    assert_eq!(foreign.0, 400);
    assert_eq!(foreign, absent);
    let foreign = t
        .app
        .json(
            "PATCH",
            "/api/v1/templates/Bob1",
            Some(&t.bob),
            Some(json!({"android_app_id": "com.feedme.app"})),
        )
        .await;
    let absent = t
        .app
        .json(
            "PATCH",
            "/api/v1/templates/Bob1",
            Some(&t.bob),
            Some(json!({"android_app_id": "com.nosuch.app"})),
        )
        .await;
    assert_eq!(foreign.0, 400);
    assert_eq!(foreign, absent);
    alice_is_untouched(&t).await;
}

#[tokio::test]
async fn one_accounts_quota_and_links_are_its_own() {
    let app = TestApp::spawn().await;
    let alice = app.feedme(TID, "feedme").await;
    let bob = app.feedme("Bob1", "bobshop").await.api_key;
    patch_account(&app, &alice.account_id, json!({"daily_quota": 1})).await;
    assert_eq!(
        v1_create(
            &app,
            &alice.api_key,
            TID,
            json!({"data": {}, "shortlink_id": "same"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        v1_create(&app, &alice.api_key, TID, json!({"data": {}}))
            .await
            .0,
        429
    );
    assert_eq!(remaining(&app, &bob).await, 250000);
    // The same link id in Bob's template is Bob's own link.
    let got = v1_create(
        &app,
        &bob,
        "Bob1",
        json!({"data": {"who": "bob"}, "shortlink_id": "same"}),
    )
    .await;
    assert_eq!(got, (200, json!("https://bobshop.links.test/Bob1/same")));
    assert_eq!(
        v1_read(&app, &alice.api_key, TID, "same").await,
        (200, json!({}))
    );
    assert_eq!(
        v1_read(&app, &bob, "Bob1", "same").await,
        (200, json!({"who": "bob"}))
    );
}
