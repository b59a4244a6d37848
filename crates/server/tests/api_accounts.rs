//! The operator API's accounts, how account keys are presented, and the
//! answers of paths that are not routes.

mod common;

use common::*;
use serde_json::{Value, json};

async fn create_account(app: &TestApp, body: Value) -> (u16, Value) {
    app.json("POST", "/admin/v1/accounts", Some(&admin()), Some(body))
        .await
}

#[tokio::test]
async fn an_operator_creates_an_account_with_a_prefixed_key_and_the_default_quota() {
    let app = TestApp::spawn().await;
    let (status, body) = create_account(&app, json!({"name": "feedme"})).await;
    assert_eq!(status, 201, "{body}");
    let id = body["account_id"].as_str().unwrap();
    let key = body["api_key"].as_str().unwrap();
    assert!(id.starts_with("acc_"), "{id}");
    assert!(key.starts_with("wl_live_"), "{key}");
    assert_eq!(key.len(), "wl_live_".len() + 32);
    assert_eq!(
        body,
        json!({"account_id": id, "name": "feedme", "api_key": key, "daily_quota": 250000, "rate_limit": null})
    );
    let (status, quota) = app
        .json("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!((status, &quota["daily_quota"]), (200, &json!(250000)));
}

#[tokio::test]
async fn an_account_created_with_a_quota_and_rate_limit_keeps_them() {
    let app = TestApp::spawn().await;
    let (status, body) = create_account(
        &app,
        json!({"name": "small", "daily_quota": 3, "rate_limit": 7}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (&body["daily_quota"], &body["rate_limit"]),
        (&json!(3), &json!(7))
    );
    let key = body["api_key"].as_str().unwrap();
    let response = app
        .send("GET", "/api/v2.0/shortlinks-quota", Some(key), None)
        .await;
    assert_eq!(header(&response, "x-ratelimit-limit").as_deref(), Some("3"));
}

#[tokio::test]
async fn the_operator_lists_and_reads_accounts() {
    let app = TestApp::spawn().await;
    let a = app.create_account("alpha", None).await;
    let b = app.create_account("beta", Some(9)).await;
    let (status, body) = app
        .json("GET", "/admin/v1/accounts", Some(&admin()), None)
        .await;
    assert_eq!(status, 200);
    let accounts = body["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    for (account, name, quota) in [(&a, "alpha", 250000), (&b, "beta", 9)] {
        let view = json!({"account_id": account.account_id, "name": name, "daily_quota": quota, "rate_limit": null});
        assert!(accounts.contains(&view), "{body}");
        let (status, got) = app
            .json(
                "GET",
                &format!("/admin/v1/accounts/{}", account.account_id),
                Some(&admin()),
                None,
            )
            .await;
        assert_eq!((status, got), (200, view));
    }
    assert!(!body.to_string().contains(&a.api_key));
    let (status, body) = app
        .json("GET", "/admin/v1/accounts/acc_nope", Some(&admin()), None)
        .await;
    assert_eq!(
        (status, body),
        (404, error("not_found", "The account was not found"))
    );
}

#[tokio::test]
async fn the_operator_changes_name_quota_and_rate_limit() {
    let app = TestApp::spawn().await;
    let acc = app.create_account("alpha", None).await;
    let id = &acc.account_id;
    let (status, body) = patch_account(
        &app,
        id,
        json!({"name": "Alpha Ltd", "daily_quota": 10, "rate_limit": 3}),
    )
    .await;
    let changed =
        json!({"account_id": id, "name": "Alpha Ltd", "daily_quota": 10, "rate_limit": 3});
    assert_eq!((status, body), (200, changed.clone()));
    let (_, got) = app
        .json(
            "GET",
            &format!("/admin/v1/accounts/{id}"),
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(got, changed);
    let (status, body) = patch_account(&app, id, json!({"rate_limit": null})).await;
    assert_eq!((status, &body["rate_limit"]), (200, &Value::Null));
    assert_eq!(body["daily_quota"], json!(10));
    let (status, body) = patch_account(&app, "acc_nope", json!({"daily_quota": 5})).await;
    assert_eq!(
        (status, body),
        (404, error("not_found", "The account was not found"))
    );
}

#[tokio::test]
async fn bad_account_values_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let limit = |f: &str| format!("{f} must be a whole number from 1 to 1000000000000");
    let name = "name must be 1 to 100 characters without control characters";
    for (body, parameter, message) in [
        (json!({"name": ""}), "name", name.to_owned()),
        (json!({"name": "x".repeat(101)}), "name", name.to_owned()),
        (json!({"name": "a\nb"}), "name", name.to_owned()),
        (
            json!({"name": "a", "daily_quota": 0}),
            "daily_quota",
            limit("daily_quota"),
        ),
        (
            json!({"name": "a", "daily_quota": 1_000_000_000_001u64}),
            "daily_quota",
            limit("daily_quota"),
        ),
        (
            json!({"name": "a", "rate_limit": 0}),
            "rate_limit",
            limit("rate_limit"),
        ),
    ] {
        let (status, got) = create_account(&app, body.clone()).await;
        assert_eq!((status, got), (400, invalid(parameter, &message)), "{body}");
    }
    for body in [
        json!({}),
        json!({"name": "a", "colour": "red"}),
        json!({"name": "a", "daily_quota": -1}),
        json!({"name": "a", "daily_quota": "lots"}),
        json!(["a"]),
    ] {
        let (status, got) = create_account(&app, body.clone()).await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!("body")),
            "{body}: {got}"
        );
        assert_eq!(got["error_type"], "invalid_parameter");
    }
    let acc = app.create_account("alpha", None).await;
    for (body, parameter) in [
        (json!({"daily_quota": 0}), "daily_quota"),
        (json!({"rate_limit": 0}), "rate_limit"),
        (json!({"name": ""}), "name"),
        (json!({"api_key": "x"}), "body"),
    ] {
        let (status, got) = patch_account(&app, &acc.account_id, body.clone()).await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!(parameter)),
            "{body}: {got}"
        );
    }
    let (_, got) = app
        .json(
            "GET",
            &format!("/admin/v1/accounts/{}", acc.account_id),
            Some(&admin()),
            None,
        )
        .await;
    assert_eq!(
        (&got["name"], &got["daily_quota"]),
        (&json!("alpha"), &json!(250000))
    );
}

#[tokio::test]
async fn the_operator_api_refuses_a_missing_or_wrong_token() {
    let app = TestApp::spawn().await;
    let acc = app.create_account("alpha", None).await;
    let wrong = [
        None,
        Some("Bearer wrong-token".to_owned()),
        Some("Bearer ".to_owned()),
        Some(acc.api_key.clone()),
        Some(format!("Basic {ADMIN_TOKEN}")),
    ];
    for key in &wrong {
        for (method, path) in [
            ("POST", "/admin/v1/accounts"),
            ("GET", "/admin/v1/accounts"),
            ("GET", "/admin/v1/accounts/x"),
            ("POST", "/admin/v1/clock/advance"),
        ] {
            let (status, body) = app
                .json(
                    method,
                    path,
                    key.as_deref(),
                    Some(json!({"name": "x", "by": "1d"})),
                )
                .await;
            assert_eq!(
                (status, body),
                (401, unauthenticated()),
                "{method} {path} {key:?}"
            );
        }
    }
    // The bare token works too, as for account keys.
    let (status, _) = app
        .json("GET", "/admin/v1/accounts", Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, 200);
    // The operator token is not an account key.
    let (status, body) = app
        .json("GET", "/api/v2.0/shortlinks-quota", Some(&admin()), None)
        .await;
    assert_eq!((status, body), (401, unauthenticated()));
}

#[tokio::test]
async fn without_an_admin_token_every_operator_route_is_404() {
    let app = TestApp::spawn_with(|c| c.admin_token = None).await;
    for (method, path) in [
        ("POST", "/admin/v1/accounts"),
        ("GET", "/admin/v1/accounts"),
        ("GET", "/admin/v1/accounts/acc_x"),
        ("POST", "/admin/v1/accounts/acc_x/keys"),
        ("POST", "/admin/v1/clock/advance"),
    ] {
        let (status, body) = app
            .json(
                method,
                path,
                Some(&admin()),
                Some(json!({"name": "x", "by": "1d"})),
            )
            .await;
        assert_eq!(
            (status, body),
            (404, error("not_found", "The path was not found")),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn an_account_key_is_accepted_bare_or_after_bearer_and_refused_otherwise() {
    let (app, key) = feedme().await;
    for presented in [
        key.clone(),
        format!("Bearer {key}"),
        format!("bearer {key}"),
    ] {
        assert_eq!(remaining(&app, &presented).await, 250000, "{presented}");
    }
    for presented in [
        None,
        Some("wl_live_unknown".to_owned()),
        Some(format!("Basic {key}")),
        Some(format!("{key}x")),
    ] {
        let (status, body) = app
            .json(
                "GET",
                "/api/v2.0/shortlinks-quota",
                presented.as_deref(),
                None,
            )
            .await;
        assert_eq!((status, body), (401, unauthenticated()), "{presented:?}");
        let (status, body) = app
            .json("GET", "/api/v1/templates", presented.as_deref(), None)
            .await;
        assert_eq!((status, body), (401, unauthenticated()));
    }
}

#[tokio::test]
async fn health_answers_ok_and_unknown_api_paths_answer_json_404() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.json("GET", "/health", None, None).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        app.json("GET", "/ready", None, None).await,
        (200, json!({"status": "ready"}))
    );
    for path in ["/api/v1/nothing", "/admin/v1/nothing", "/api/v2.0/nothing"] {
        let (status, body) = app.json("GET", path, Some(&admin()), None).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error_type"], "not_found", "{path}: {body}");
    }
}
