//! The operator API's key rotation and revocation, and the test clock.

mod common;

use common::*;
use serde_json::{Value, json};
use waylink_server::{Application, ServerConfig};

#[tokio::test]
async fn a_new_key_works_beside_the_old_one_and_listing_shows_only_hints() {
    let app = TestApp::spawn().await;
    let acc = app.create_account("alpha", None).await;
    let path = format!("/admin/v1/accounts/{}/keys", acc.account_id);
    let (status, new) = app.json("POST", &path, Some(&admin()), None).await;
    assert_eq!(status, 201, "{new}");
    let new_key = new["api_key"].as_str().unwrap();
    assert!(new_key.starts_with("wl_live_"));
    assert_ne!(new_key, acc.api_key);
    assert_eq!(new["hint"], json!(&new_key[..12]));
    assert_eq!(new["key_id"].as_str().unwrap().len(), 12);
    for key in [acc.api_key.as_str(), new_key] {
        assert_eq!(remaining(&app, key).await, 250000);
    }
    let (status, list) = app.json("GET", &path, Some(&admin()), None).await;
    assert_eq!(status, 200);
    let keys = list["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let text = list.to_string();
    assert!(
        !text.contains(&acc.api_key) && !text.contains(new_key),
        "{text}"
    );
    let hints: Vec<&str> = keys.iter().map(|k| k["hint"].as_str().unwrap()).collect();
    assert!(hints.contains(&&acc.api_key[..12]) && hints.contains(&&new_key[..12]));
    assert!(
        keys.contains(&json!({"key_id": new["key_id"], "hint": new["hint"],
        "created_at": "2026-11-22T12:00:00Z", "revoked_at": null}))
    );
    for method in ["POST", "GET"] {
        let (status, body) = app
            .json(
                method,
                "/admin/v1/accounts/acc_nope/keys",
                Some(&admin()),
                None,
            )
            .await;
        assert_eq!(
            (status, body),
            (404, error("not_found", "The account was not found"))
        );
    }
}

#[tokio::test]
async fn a_revoked_key_answers_401_at_once_and_the_other_keeps_working() {
    let app = TestApp::spawn().await;
    let acc = app.feedme(TID, "feedme").await;
    let path = format!("/admin/v1/accounts/{}/keys", acc.account_id);
    let (_, new) = app.json("POST", &path, Some(&admin()), None).await;
    let new_key = new["api_key"].as_str().unwrap().to_owned();
    let (_, list) = app.json("GET", &path, Some(&admin()), None).await;
    let old_id = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["hint"] == json!(&acc.api_key[..12]))
        .unwrap()["key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance(5_000);
    let response = app
        .send("DELETE", &format!("{path}/{old_id}"), Some(&admin()), None)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(response.text().await.unwrap(), "");
    let old = acc.api_key.as_str();
    let (status, body) = v1_read(&app, old, TID, "x").await;
    assert_eq!((status, body), (401, json!("Authentication Failed")));
    let (status, body) = v2_read(&app, old, TID, "x").await;
    assert_eq!((status, body), (401, unauthenticated()));
    let (status, body) = v1_create(
        &app,
        &new_key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "k1"}),
    )
    .await;
    assert_eq!((status, body), (200, json!(format!("{HOST}/{TID}/k1"))));
    let (_, list) = app.json("GET", &path, Some(&admin()), None).await;
    let revoked = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == json!(old_id))
        .unwrap()
        .clone();
    assert_eq!(revoked["revoked_at"], json!("2026-11-22T12:00:05Z"));
    // A second revoke, an unknown key id and another account's path are 404.
    let other = app.create_account("other", None).await;
    for p in [
        format!("{path}/{old_id}"),
        format!("{path}/abcdefabcdef"),
        format!("{path}/not-a-key"),
        format!(
            "/admin/v1/accounts/{}/keys/{}",
            other.account_id,
            new["key_id"].as_str().unwrap()
        ),
    ] {
        let (status, body) = app.json("DELETE", &p, Some(&admin()), None).await;
        assert_eq!(
            (status, body),
            (404, error("not_found", "The key was not found")),
            "{p}"
        );
    }
    assert_eq!(remaining(&app, &new_key).await, 249_999);
}

#[tokio::test]
async fn the_test_clock_route_moves_time_so_links_expire() {
    let (app, key) = feedme().await;
    let (status, _) = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "month"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "year", "ttl": "365d"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .json(
            "POST",
            "/admin/v1/clock/advance",
            Some(&admin()),
            Some(json!({"by": "31d"})),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"now": "2026-12-23T12:00:00Z"}))
    );
    assert_eq!(
        app.now().as_millis(),
        START.as_millis() + 31 * DAY_SECS * 1000
    );
    let (status, body) = v2_read(&app, &key, TID, "month").await;
    assert_eq!((status, body), (404, link_not_found()));
    assert_eq!(ttl_of(&app, &key, "year").await, 334 * DAY_SECS);
    for (by, now) in [
        ("90s", "2026-12-23T12:01:30Z"),
        ("10m", "2026-12-23T12:11:30Z"),
        ("2h", "2026-12-23T14:11:30Z"),
    ] {
        let (status, body) = app
            .json(
                "POST",
                "/admin/v1/clock/advance",
                Some(&admin()),
                Some(json!({"by": by})),
            )
            .await;
        assert_eq!((status, body), (200, json!({"now": now})));
    }
}

#[tokio::test]
async fn a_bad_clock_step_is_400_and_leaves_the_clock_alone() {
    let app = TestApp::spawn().await;
    for by in [
        "",
        "0d",
        "-1d",
        "1.5d",
        "1w",
        "31",
        "d",
        "99999999999999999999d",
    ] {
        let (status, body) = app
            .json(
                "POST",
                "/admin/v1/clock/advance",
                Some(&admin()),
                Some(json!({"by": by})),
            )
            .await;
        let message = format!(
            "by must be a positive whole number followed by s, m, h or d (for example \"90s\" or \"31d\"), not {by:?}"
        );
        assert_eq!((status, body), (400, invalid("by", &message)));
    }
    for body in [json!({}), json!({"by": 5}), json!({"by": "1d", "extra": 1})] {
        let (status, got) = app
            .json(
                "POST",
                "/admin/v1/clock/advance",
                Some(&admin()),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!("body")),
            "{body}: {got}"
        );
    }
    assert_eq!(app.now(), START);
}

async fn spawn_built(test_clock: bool) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::with_defaults(dir.path().to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.admin_token = Some(ADMIN_TOKEN.into());
    config.test_clock = test_clock;
    let application = Application::build(config).await.unwrap();
    let address = format!("http://{}", application.address());
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    (address, dir)
}

#[tokio::test]
async fn the_clock_route_exists_only_under_the_test_clock_flag() {
    let client = reqwest::Client::new();
    for (test_clock, expected) in [(false, 404), (true, 200)] {
        let (address, _dir) = spawn_built(test_clock).await;
        let response = client
            .post(format!("{address}/admin/v1/clock/advance"))
            .header("authorization", admin())
            .header("content-type", "application/json")
            .body(r#"{"by": "31d"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            expected,
            "test_clock = {test_clock}"
        );
        let body: Value = response.json().await.unwrap();
        if test_clock {
            assert!(body["now"].as_str().unwrap().ends_with('Z'), "{body}");
        } else {
            assert_eq!(body, error("not_found", "The path was not found"));
        }
    }
}
