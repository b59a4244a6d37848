//! The well-known files of a host, from the apps of the templates it serves:
//! `apple-app-site-association` at both its paths and `assetlinks.json`,
//! in the exact shape of click-routing.md.

mod common;

use common::*;
use serde_json::{Value, json};

const FP1: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";
const FP2: &str = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
const FP3: &str = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
const SHARED: &str = "go.shop.example";
const AASA_PATHS: [&str; 2] = [
    "/.well-known/apple-app-site-association",
    "/apple-app-site-association",
];
const ASSETLINKS: &str = "/.well-known/assetlinks.json";

/// One account with two Android and two iOS apps (and one unused of each),
/// three templates on brand domain `go.shop.example`: Shop1 and Shop3 share
/// the iOS app id111, Shop3 has no Android app. Another account's template
/// sits on its own hosts.
async fn shop() -> TestApp {
    let app = TestApp::spawn().await;
    let key = app.create_account("shop", None).await.api_key;
    let apps = [
        json!({"platform": "android", "app_id": "com.shop.app", "sha256_cert_fingerprints": [FP1.to_lowercase()]}),
        json!({"platform": "android", "app_id": "com.shop.lite", "sha256_cert_fingerprints": [FP2, FP3.replace(':', "")]}),
        json!({"platform": "android", "app_id": "com.shop.unused"}),
        json!({"platform": "ios", "app_id": "id111", "bundle_id": "com.shop.app", "team_id": "TEAM111111"}),
        json!({"platform": "ios", "app_id": "id222", "bundle_id": "com.shop.lite", "team_id": "TEAM222222"}),
        json!({"platform": "ios", "app_id": "id333", "bundle_id": "com.shop.unused", "team_id": "TEAM333333"}),
    ];
    for body in apps {
        let (status, got) = app
            .json("POST", "/api/v1/apps", Some(&key), Some(body))
            .await;
        assert_eq!(status, 201, "{got}");
    }
    let templates = [
        json!({"id": "Shop1", "subdomain": "shop", "android_app_id": "com.shop.app", "ios_app_id": "id111", "brand_domains": [SHARED]}),
        json!({"id": "Shop2", "subdomain": "shoplite", "android_app_id": "com.shop.lite", "ios_app_id": "id222", "brand_domains": [SHARED, "lite.shop.example"]}),
        json!({"id": "Shop3", "subdomain": "shopthree", "ios_app_id": "id111", "brand_domains": [SHARED]}),
    ];
    for body in templates {
        let (status, got) = create_template(&app, &key, body).await;
        assert_eq!(status, 201, "{got}");
    }
    app.feedme(TID, "feedme").await;
    app
}

/// `GET path` on `host`: status, content type and JSON body.
async fn fetch(app: &TestApp, host: &str, path: &str) -> (u16, String, Value) {
    let mut request = app.client.get(app.url(path));
    if !host.is_empty() {
        request = request.header("host", host);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = serde_json::from_str(&response.text().await.unwrap()).expect("JSON");
    (status, content_type, body)
}

/// The AASA `details` entry of an iOS app for templates `tids`.
fn detail(app_id: &str, tids: &[&str]) -> Value {
    let paths: Vec<String> = tids
        .iter()
        .flat_map(|t| [format!("/{t}/*"), format!("/{t}")])
        .collect();
    let components: Vec<Value> = paths.iter().map(|p| json!({"/": p})).collect();
    json!({"appID": app_id, "appIDs": [app_id], "paths": paths, "components": components})
}

fn statement(package: &str, fingerprints: &[&str]) -> Value {
    json!({
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {"namespace": "android_app", "package_name": package, "sha256_cert_fingerprints": fingerprints}
    })
}

/// Asserts both AASA paths and assetlinks.json of `host`.
async fn assert_files(app: &TestApp, host: &str, details: Value, statements: Value) {
    for path in AASA_PATHS {
        let expected = json!({"applinks": {"apps": [], "details": details}});
        let answer = fetch(app, host, path).await;
        assert_eq!(
            answer,
            (200, "application/json".into(), expected),
            "{host}{path}"
        );
    }
    let answer = fetch(app, host, ASSETLINKS).await;
    assert_eq!(
        answer,
        (200, "application/json".into(), statements),
        "{host}"
    );
}

#[tokio::test]
async fn a_brand_domain_shared_by_templates_lists_every_app_with_its_templates_paths() {
    let app = shop().await;
    let details = json!([
        detail("TEAM111111.com.shop.app", &["Shop1", "Shop3"]),
        detail("TEAM222222.com.shop.lite", &["Shop2"]),
    ]);
    let statements = json!([
        statement("com.shop.app", &[FP1]),
        statement("com.shop.lite", &[FP2, FP3]),
    ]);
    for host in [SHARED, "GO.SHOP.EXAMPLE", "go.shop.example:8443"] {
        assert_files(&app, host, details.clone(), statements.clone()).await;
    }
}

#[tokio::test]
async fn a_template_domain_lists_only_its_own_template() {
    let app = shop().await;
    let shop1 = json!([detail("TEAM111111.com.shop.app", &["Shop1"])]);
    let shop1_android = json!([statement("com.shop.app", &[FP1])]);
    assert_files(&app, "shop.links.test", shop1, shop1_android).await;
    let shop2 = json!([detail("TEAM222222.com.shop.lite", &["Shop2"])]);
    let lite = json!([statement("com.shop.lite", &[FP2, FP3])]);
    assert_files(&app, "shoplite.links.test", shop2.clone(), lite.clone()).await;
    // Shop2's other brand domain serves Shop2 alone.
    assert_files(&app, "lite.shop.example", shop2, lite).await;
    // Shop3 has no Android app: no statement at all.
    let shop3 = json!([detail("TEAM111111.com.shop.app", &["Shop3"])]);
    assert_files(&app, "shopthree.links.test:8080", shop3, json!([])).await;
    let feedme = json!([detail("ABCDE12345.com.feedme.app", &[TID])]);
    assert_files(
        &app,
        "feedme.links.test",
        feedme,
        json!([statement("com.feedme.app", &[])]),
    )
    .await;
}

#[tokio::test]
async fn a_host_that_serves_no_template_answers_404_for_both_files() {
    let app = shop().await;
    // "": the client's own 127.0.0.1:{port}, which routes clicks by path.
    for host in [
        "",
        "nobody.links.test",
        "links.test",
        "elsewhere.example",
        "a.shop.links.test",
    ] {
        for path in AASA_PATHS.into_iter().chain([ASSETLINKS]) {
            let (status, _, body) = fetch(&app, host, path).await;
            assert_eq!(status, 404, "{host}{path}: {body}");
        }
    }
}

#[tokio::test]
async fn the_files_follow_changes_to_templates_and_apps() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let patch = json!({"sha256_cert_fingerprints": [FP1]});
    let (status, body) = app
        .json(
            "PATCH",
            "/api/v1/apps/com.feedme.app",
            Some(&key),
            Some(patch),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = fetch(&app, BRAND, ASSETLINKS).await;
    assert_eq!(
        (status, body),
        (200, json!([statement("com.feedme.app", &[FP1])]))
    );
    let (status, body) = app
        .json(
            "DELETE",
            &format!("/api/v1/templates/{TID}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    for host in [BRAND, "feedme.links.test"] {
        assert_eq!(fetch(&app, host, ASSETLINKS).await.0, 404, "{host}");
        assert_eq!(fetch(&app, host, AASA_PATHS[0]).await.0, 404, "{host}");
    }
}
