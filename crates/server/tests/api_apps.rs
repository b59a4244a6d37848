//! `/api/v1/apps`: the account's Android and iOS apps.

mod common;

use common::*;
use serde_json::json;

const FP: &str = "14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16:a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf:44:e5";

#[tokio::test]
async fn registering_an_android_app_answers_201_with_its_sdk_key() {
    let app = TestApp::spawn().await;
    let key = app.create_account("a", None).await.api_key;
    let body = json!({"platform": "android", "app_id": "com.feedme.app", "sha256_cert_fingerprints": [FP]});
    let (status, got) = app
        .json("POST", "/api/v1/apps", Some(&key), Some(body))
        .await;
    assert_eq!(status, 201, "{got}");
    let sdk_key = got["sdk_key"].as_str().unwrap();
    assert!(
        sdk_key.starts_with("wl_sdk_") && sdk_key.len() == "wl_sdk_".len() + 32,
        "{sdk_key}"
    );
    assert_eq!(
        got,
        json!({"platform": "android", "app_id": "com.feedme.app",
            "sha256_cert_fingerprints": [FP.to_ascii_uppercase()], "udl_window": "1h", "sdk_key": sdk_key})
    );
    // The SDK key is not an account key.
    let (status, _) = app.json("GET", "/api/v1/apps", Some(sdk_key), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn registering_an_ios_app_keeps_its_bundle_and_team() {
    let app = TestApp::spawn().await;
    let key = app.create_account("a", None).await.api_key;
    let (status, got) = app
        .json(
            "POST",
            "/api/v1/apps",
            Some(&key),
            Some(ios("id1234567890")),
        )
        .await;
    assert_eq!(status, 201, "{got}");
    assert!(got["sdk_key"].as_str().unwrap().starts_with("wl_sdk_"));
    let mut expected = ios("id1234567890");
    expected["sdk_key"] = got["sdk_key"].clone();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn an_app_id_registered_by_any_account_is_a_409() {
    let (app, key) = with_apps().await;
    let other = app.create_account("b", None).await.api_key;
    for k in [&key, &other] {
        let (status, got) = app
            .json("POST", "/api/v1/apps", Some(k), Some(android("com.a.app")))
            .await;
        assert_eq!(
            (status, got),
            (
                409,
                error(
                    "conflict",
                    "the app com.a.app is already registered on this server"
                )
            )
        );
    }
}

#[tokio::test]
async fn malformed_apps_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let key = app.create_account("a", None).await.api_key;
    let cases = [
        (json!({"app_id": "com.a.app"}), "platform"),
        (
            json!({"platform": "windows", "app_id": "com.a.app"}),
            "platform",
        ),
        (json!({"platform": "android"}), "app_id"),
        (android("feedme"), "app_id"),
        (android("com.1feedme"), "app_id"),
        (
            json!({"platform": "android", "app_id": "com.a.app", "sha256_cert_fingerprints": ["AB:CD"]}),
            "sha256_cert_fingerprints",
        ),
        (
            json!({"platform": "android", "app_id": "com.a.app", "team_id": "ABCDE12345"}),
            "bundle_id",
        ),
        (
            json!({"platform": "ios", "app_id": "1234", "bundle_id": "a.b", "team_id": "ABCDE12345"}),
            "app_id",
        ),
        (
            json!({"platform": "ios", "app_id": "id1", "team_id": "ABCDE12345"}),
            "bundle_id",
        ),
        (
            json!({"platform": "ios", "app_id": "id1", "bundle_id": "a b", "team_id": "ABCDE12345"}),
            "bundle_id",
        ),
        (
            json!({"platform": "ios", "app_id": "id1", "bundle_id": "a.b"}),
            "team_id",
        ),
        (
            json!({"platform": "ios", "app_id": "id1", "bundle_id": "a.b", "team_id": "abc"}),
            "team_id",
        ),
        (
            json!({"platform": "android", "app_id": "com.a.app", "colour": "red"}),
            "body",
        ),
        (json!([1]), "body"),
    ];
    for (body, field) in cases {
        let (status, got) = app
            .json("POST", "/api/v1/apps", Some(&key), Some(body.clone()))
            .await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!(field)),
            "{body}: {got}"
        );
        assert_eq!(got["error_type"], "invalid_parameter");
        assert!(!got["message"].as_str().unwrap().is_empty());
    }
    let response = app
        .send("POST", "/api/v1/apps", Some(&key), Some("{not json".into()))
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let (_, list) = app.json("GET", "/api/v1/apps", Some(&key), None).await;
    assert_eq!(list, json!({"apps": []}));
}

#[tokio::test]
async fn apps_are_read_listed_patched_and_deleted() {
    let (app, key) = with_apps().await;
    let k = Some(key.as_str());
    let (status, got) = app.json("GET", "/api/v1/apps/id111", k, None).await;
    assert_eq!((status, got), (200, ios("id111")));
    let (status, got) = app.json("GET", "/api/v1/apps", k, None).await;
    assert_eq!(
        (status, got),
        (200, json!({"apps": [android("com.a.app"), ios("id111")]}))
    );

    let (status, got) = app
        .json(
            "PATCH",
            "/api/v1/apps/id111",
            k,
            Some(json!({"team_id": "ZZZZZ99999"})),
        )
        .await;
    let mut patched = ios("id111");
    patched["team_id"] = json!("ZZZZZ99999");
    assert_eq!((status, got), (200, patched.clone()));
    assert_eq!(
        app.json("GET", "/api/v1/apps/id111", k, None).await,
        (200, patched.clone())
    );
    for (body, field) in [
        (json!({"app_id": "id222"}), "app_id"),
        (json!({"platform": "android"}), "platform"),
        (json!({"team_id": "bad"}), "team_id"),
        (json!({"bundle_id": null}), "bundle_id"),
    ] {
        let (status, got) = app
            .json("PATCH", "/api/v1/apps/id111", k, Some(body.clone()))
            .await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!(field)),
            "{body}: {got}"
        );
    }
    assert_eq!(
        app.json("GET", "/api/v1/apps/id111", k, None).await,
        (200, patched)
    );

    let response = app.send("DELETE", "/api/v1/apps/id111", k, None).await;
    assert_eq!(response.status().as_u16(), 204);
    let gone = error("not_found", "The app was not found");
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"team_id": "ABCDE12345"}))),
        ("DELETE", None),
    ] {
        assert_eq!(
            app.json(method, "/api/v1/apps/id111", k, body).await,
            (404, gone.clone()),
            "{method}"
        );
    }
    // The app id is free again.
    let (status, _) = app
        .json("POST", "/api/v1/apps", k, Some(ios("id111")))
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn an_app_used_by_a_template_cannot_be_deleted() {
    let (app, key) = with_apps().await;
    let (status, _) = create_template(
        &app,
        &key,
        json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.a.app"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, got) = app
        .json("DELETE", "/api/v1/apps/com.a.app", Some(&key), None)
        .await;
    assert_eq!(
        (status, got),
        (
            409,
            error(
                "conflict",
                "the app com.a.app is used by template H5hv; change or delete the template first"
            )
        )
    );
    assert_eq!(
        app.json("GET", "/api/v1/apps/com.a.app", Some(&key), None)
            .await
            .0,
        200
    );
    assert_eq!(
        app.send("DELETE", "/api/v1/templates/H5hv", Some(&key), None)
            .await
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        app.send("DELETE", "/api/v1/apps/com.a.app", Some(&key), None)
            .await
            .status()
            .as_u16(),
        204
    );
}
