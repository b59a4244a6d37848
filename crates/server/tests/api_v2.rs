//! The short-link API in AppsFlyer's v2 shape: `/api/v2.0/shortlinks/...`,
//! with JSON-object answers and `{error_type, message}` errors.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_v2_create_answers_the_short_url_in_an_object() {
    let (app, key) = feedme().await;
    let got = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "bananas7"}),
    )
    .await;
    assert_eq!(
        got,
        (
            200,
            json!({"shortlink_url": "https://feedme.links.test/H5hv/bananas7"})
        )
    );
    let (status, body) = v2_create(&app, &key, TID, json!({"data": {"pid": "sms"}})).await;
    assert_eq!(status, 200);
    let url = body["shortlink_url"].as_str().unwrap();
    assert!(
        is_generated_id(url.strip_prefix(&format!("{HOST}/H5hv/")).unwrap()),
        "{url}"
    );
    assert_eq!(body.as_object().unwrap().len(), 1);
    let got = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "b", "brand_domain": BRAND}),
    )
    .await;
    assert_eq!(
        got,
        (
            200,
            json!({"shortlink_url": "https://go.feedme.example/H5hv/b"})
        )
    );
}

#[tokio::test]
async fn a_v2_read_answers_payload_expiry_and_whole_seconds_left() {
    let (app, key) = with_link().await;
    let expected = json!({"payload": {"pid": "sms", "c": "bananas"}, "expiry": "2026-12-23T12:00:00Z", "ttl": 2_678_400});
    assert_eq!(v2_read(&app, &key, TID, "bananas7").await, (200, expected));
    app.advance(1_500);
    let (_, body) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(
        (&body["ttl"], &body["expiry"]),
        (&json!(2_678_398), &json!("2026-12-23T12:00:00Z"))
    );
}

#[tokio::test]
async fn a_v2_update_replaces_data_and_resets_expiry() {
    let (app, key) = with_link().await;
    app.advance(DAY_SECS * 1000);
    let got = v2_update(
        &app,
        &key,
        TID,
        "bananas7",
        json!({"data": {"fruit": "apples", "n": 3}, "ttl": "2d"}),
    )
    .await;
    assert_eq!(
        got,
        (
            200,
            json!({"shortlink_url": "https://feedme.links.test/H5hv/bananas7"})
        )
    );
    let expected = json!({"payload": {"fruit": "apples", "n": "3"}, "expiry": "2026-11-25T12:00:00Z", "ttl": 2 * DAY_SECS});
    assert_eq!(v2_read(&app, &key, TID, "bananas7").await, (200, expected));
}

#[tokio::test]
async fn a_v2_delete_answers_ok_and_the_link_is_gone() {
    let (app, key) = with_link().await;
    assert_eq!(
        v2_delete(&app, &key, TID, "bananas7").await,
        (200, json!("ok"))
    );
    assert_eq!(
        v2_read(&app, &key, TID, "bananas7").await,
        (404, link_not_found())
    );
    assert_eq!(
        v2_update(&app, &key, TID, "bananas7", json!({"data": {}})).await,
        (404, link_not_found())
    );
    assert_eq!(
        v2_delete(&app, &key, TID, "bananas7").await,
        (404, link_not_found())
    );
}

#[tokio::test]
async fn v2_invalid_parameters_name_the_parameter() {
    let (app, key) = with_link().await;
    let no_data =
        "Invalid/no data in request: the body needs \"data\", an object of link parameters";
    let nested =
        "Invalid/no data in request: the value of \"a\" must be a string, a number or a boolean";
    let id_msg =
        "shortlink_id must be 1 to 50 characters of A-Z, a-z, 0-9, _ and -; \"a b\" is not";
    let cases = [
        (json!({}), invalid("data", no_data)),
        (
            json!({"data": "x"}),
            invalid(
                "data",
                "Invalid/no data in request: data must be a JSON object of parameter names to string values",
            ),
        ),
        (json!({"data": {"a": {"b": 1}}}), invalid("data.a", nested)),
        (
            json!({"data": {}, "ttl": "0d"}),
            invalid("ttl", &ttl_message("\"0d\"")),
        ),
        (
            json!({"data": {}, "ttl": -1}),
            invalid("ttl", &ttl_message("-1")),
        ),
        (
            json!({"data": {}, "shortlink_id": "a b"}),
            invalid("shortlink_id", id_msg),
        ),
        (
            json!({"data": {"pid": "p".repeat(151)}}),
            invalid("data.pid", "pid must be at most 150 characters long"),
        ),
        (
            json!({"data": {}, "renew_ttl": "maybe"}),
            invalid("renew_ttl", "renew_ttl must be true or false"),
        ),
        (
            json!([1]),
            invalid(
                "body",
                "Invalid/no data in request: the body must be a JSON object such as {\"data\": {\"pid\": \"sms\"}}",
            ),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            v2_create(&app, &key, TID, body.clone()).await,
            (400, expected.clone()),
            "create {body}"
        );
        if body.get("shortlink_id").is_none() {
            assert_eq!(
                v2_update(&app, &key, TID, "bananas7", body.clone()).await,
                (400, expected),
                "update {body}"
            );
        }
    }
    let response = app
        .send(
            "POST",
            "/api/v2.0/shortlinks/H5hv",
            Some(&key),
            Some("nope".into()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (&body["error_type"], &body["parameter"]),
        (&json!("invalid_parameter"), &json!("body"))
    );
    assert_eq!(
        v2_read(&app, &key, TID, "bananas7").await.1["payload"],
        json!({"pid": "sms", "c": "bananas"})
    );
}

#[tokio::test]
async fn v2_errors_carry_their_error_type_and_message() {
    let (app, key) = with_link().await;
    let over = json!({"data": {"k": "x".repeat(2047)}});
    let limit = error(
        "limit_exceeded",
        "Data sent exceeds limit: the data makes a query string of 2049 characters; at most 2048 are allowed",
    );
    assert_eq!(
        v2_create(&app, &key, TID, over.clone()).await,
        (400, limit.clone())
    );
    assert_eq!(
        v2_update(&app, &key, TID, "bananas7", over).await,
        (400, limit)
    );
    let brand = error(
        "wrong_brand_domain",
        "Brand domain mismatch: \"go.other.example\" is not a brand domain of template H5hv",
    );
    let foreign = json!({"data": {}, "brand_domain": "go.other.example"});
    assert_eq!(
        v2_create(&app, &key, TID, foreign.clone()).await,
        (403, brand.clone())
    );
    assert_eq!(
        v2_update(&app, &key, TID, "bananas7", foreign).await,
        (403, brand)
    );
    let taken = json!({"data": {}, "shortlink_id": "bananas7"});
    assert_eq!(
        v2_create(&app, &key, TID, taken).await,
        (409, error("conflict", "Shortlink ID already in use"))
    );
    for presented in [None, Some("wl_live_nope")] {
        let got = app
            .json(
                "POST",
                "/api/v2.0/shortlinks/H5hv",
                presented,
                Some(json!({"data": {}})),
            )
            .await;
        assert_eq!(got, (401, unauthenticated()));
        let got = app
            .json("GET", "/api/v2.0/shortlinks-quota", presented, None)
            .await;
        assert_eq!(got, (401, unauthenticated()));
    }
    let body = json!({"data": {}});
    assert_eq!(
        v2_create(&app, &key, "Nope1", body.clone()).await,
        (404, template_not_found())
    );
    assert_eq!(
        v2_read(&app, &key, "Nope1", "bananas7").await,
        (404, template_not_found())
    );
    assert_eq!(
        v2_update(&app, &key, "Nope1", "bananas7", body.clone()).await,
        (404, template_not_found())
    );
    assert_eq!(
        v2_delete(&app, &key, "Nope1", "bananas7").await,
        (404, template_not_found())
    );
    for sid in ["nosuch", "a.b", "a%20b", "BANANAS7"] {
        assert_eq!(
            v2_read(&app, &key, TID, sid).await,
            (404, link_not_found()),
            "{sid}"
        );
        assert_eq!(
            v2_update(&app, &key, TID, sid, body.clone()).await,
            (404, link_not_found())
        );
        assert_eq!(
            v2_delete(&app, &key, TID, sid).await,
            (404, link_not_found())
        );
    }
    let response = app
        .send(
            "PATCH",
            "/api/v2.0/shortlinks/H5hv/bananas7",
            Some(&key),
            Some("{}".into()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        error(
            "method_not_allowed",
            "This method is not allowed on this path; see the allow header"
        )
    );
}
