//! The short-link API in AppsFlyer's v1 shape: `/shortlink/v1/{tid}`, with
//! JSON-string answers and errors.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn a_v1_create_answers_the_short_url_as_a_json_string() {
    let (app, key) = feedme().await;
    let response = app
        .send(
            "POST",
            "/shortlink/v1/H5hv",
            Some(&key),
            Some(r#"{"data": {"pid": "sms", "c": "bananas"}, "shortlink_id": "bananas7"}"#.into()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#""https://feedme.links.test/H5hv/bananas7""#
    );
}

#[tokio::test]
async fn a_v1_create_takes_the_id_from_the_query_string() {
    let (app, key) = feedme().await;
    let (status, body) = app
        .json(
            "POST",
            "/shortlink/v1/H5hv?id=from-query_1",
            Some(&key),
            Some(json!({"data": {"pid": "sms"}})),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!(format!("{HOST}/H5hv/from-query_1")))
    );
    assert_eq!(
        v1_read(&app, &key, TID, "from-query_1").await,
        (200, json!({"pid": "sms"}))
    );
    let (status, body) = app
        .json(
            "POST",
            "/shortlink/v1/H5hv?id=a%20b",
            Some(&key),
            Some(json!({"data": {"pid": "sms"}})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!(
                "shortlink_id must be 1 to 50 characters of A-Z, a-z, 0-9, _ and -; \"a b\" is not"
            )
        )
    );
}

#[tokio::test]
async fn a_v1_create_without_an_id_generates_eight_alphanumerics() {
    let (app, key) = feedme().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (status, body) = v1_create(&app, &key, TID, json!({"data": {"pid": "sms"}})).await;
        assert_eq!(status, 200, "{body}");
        let url = body.as_str().unwrap();
        let id = url.strip_prefix(&format!("{HOST}/H5hv/")).unwrap();
        assert!(is_generated_id(id), "{id}");
        assert_eq!(
            v1_read(&app, &key, TID, id).await,
            (200, json!({"pid": "sms"}))
        );
        ids.push(id.to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn a_v1_read_answers_the_data_as_a_flat_object_of_strings() {
    let (app, key) = feedme().await;
    let data = json!({"pid": "sms", "c": "bananas", "n": 42, "f": 1.5, "neg": -3, "yes": true, "no": false, "empty": ""});
    let (status, _) = v1_create(
        &app,
        &key,
        TID,
        json!({"data": data, "shortlink_id": "flat"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v1_read(&app, &key, TID, "flat").await,
        (
            200,
            json!({"pid": "sms", "c": "bananas", "n": "42", "f": "1.5", "neg": "-3", "yes": "true", "no": "false", "empty": ""})
        )
    );
}

#[tokio::test]
async fn a_v1_update_replaces_the_data_whole_and_answers_the_url() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms", "c": "bananas"}, "shortlink_id": "upd"}),
    )
    .await;
    let (status, body) = v1_update(
        &app,
        &key,
        TID,
        "upd",
        json!({"data": {"af_sub1": "x", "n": 7}}),
    )
    .await;
    assert_eq!((status, body), (200, json!(format!("{HOST}/H5hv/upd"))));
    assert_eq!(
        v1_read(&app, &key, TID, "upd").await,
        (200, json!({"af_sub1": "x", "n": "7"}))
    );
}

#[tokio::test]
async fn a_v1_delete_answers_ok_and_the_link_is_gone() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "del"}),
    )
    .await;
    assert_eq!(v1_delete(&app, &key, TID, "del").await, (200, json!("ok")));
    assert_eq!(
        v1_read(&app, &key, TID, "del").await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v1_update(&app, &key, TID, "del", json!({"data": {}})).await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v1_delete(&app, &key, TID, "del").await,
        (404, json!("Not Found"))
    );
    // The id is free again.
    let (status, _) = v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "del"}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_missing_or_unknown_key_is_authentication_failed() {
    let (app, key) = feedme().await;
    v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "x"})).await;
    for presented in [
        None,
        Some("wl_live_nope"),
        Some("Bearer wl_live_nope"),
        Some("Bearer"),
    ] {
        for method in ["POST", "GET", "PUT", "DELETE"] {
            let got = app
                .json(
                    method,
                    "/shortlink/v1/H5hv?id=x",
                    presented,
                    Some(json!({"data": {}})),
                )
                .await;
            assert_eq!(
                got,
                (401, json!("Authentication Failed")),
                "{method} {presented:?}"
            );
        }
    }
    assert_eq!(
        v1_read(&app, &format!("Bearer {key}"), TID, "x").await,
        (200, json!({}))
    );
    assert_eq!(v1_read(&app, &key, TID, "x").await, (200, json!({})));
}

#[tokio::test]
async fn a_brand_domain_of_the_template_makes_the_url_and_a_foreign_one_is_403() {
    let (app, key) = feedme().await;
    let (status, body) = v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "b1", "brand_domain": BRAND}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!("https://go.feedme.example/H5hv/b1"))
    );
    let (status, body) = v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "b2", "brand_domain": "GO.FeedMe.example"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!("https://go.feedme.example/H5hv/b2"))
    );
    for foreign in ["go.other.example", "feedme.links.test", "not a domain"] {
        let got = v1_create(
            &app,
            &key,
            TID,
            json!({"data": {}, "shortlink_id": "b3", "brand_domain": foreign}),
        )
        .await;
        assert_eq!(got, (403, json!("Brand domain mismatch")), "{foreign}");
        let got = v1_update(
            &app,
            &key,
            TID,
            "b1",
            json!({"data": {}, "brand_domain": foreign}),
        )
        .await;
        assert_eq!(got, (403, json!("Brand domain mismatch")), "{foreign}");
    }
    assert_eq!(
        v1_read(&app, &key, TID, "b3").await,
        (404, json!("Not Found"))
    );
    // An update without brand_domain keeps the link's brand domain.
    let got = v1_update(&app, &key, TID, "b1", json!({"data": {"pid": "x"}})).await;
    assert_eq!(got, (200, json!("https://go.feedme.example/H5hv/b1")));
    let got = v1_create(&app, &key, TID, json!({"data": {}, "brand_domain": 5})).await;
    assert_eq!(
        got,
        (
            400,
            json!("brand_domain must be a string, one of the template's brand domains")
        )
    );
}

#[tokio::test]
async fn an_unknown_template_or_link_is_not_found() {
    let (app, key) = feedme().await;
    let body = json!({"data": {"pid": "sms"}});
    assert_eq!(
        v1_create(&app, &key, "Nope1", body.clone()).await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v1_read(&app, &key, "Nope1", "x").await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v1_update(&app, &key, "Nope1", "x", body.clone()).await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v1_delete(&app, &key, "Nope1", "x").await,
        (404, json!("Not Found"))
    );
    for sid in ["nosuch", "a.b", "a%20b"] {
        assert_eq!(
            v1_read(&app, &key, TID, sid).await,
            (404, json!("Not Found")),
            "{sid}"
        );
        assert_eq!(
            v1_update(&app, &key, TID, sid, body.clone()).await,
            (404, json!("Not Found"))
        );
        assert_eq!(
            v1_delete(&app, &key, TID, sid).await,
            (404, json!("Not Found"))
        );
    }
    let (status, body) = app
        .json("GET", "/shortlink/v1/H5hv/extra", Some(&key), None)
        .await;
    assert_eq!((status, body), (404, json!("Not Found")));
}

#[tokio::test]
async fn a_shortlink_id_in_use_is_409_but_free_in_another_template() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let (s, _) = app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&key),
            Some(json!({"id": "Other", "subdomain": "other", "android_app_id": "com.feedme.app"})),
        )
        .await;
    assert_eq!(s, 201);
    let body = json!({"data": {"pid": "first"}, "shortlink_id": "dup"});
    assert_eq!(v1_create(&app, &key, TID, body.clone()).await.0, 200);
    let again = json!({"data": {"pid": "second"}, "shortlink_id": "dup"});
    assert_eq!(
        v1_create(&app, &key, TID, again.clone()).await,
        (409, json!("Shortlink ID already in use"))
    );
    let got = app
        .json(
            "POST",
            "/shortlink/v1/H5hv?id=dup",
            Some(&key),
            Some(json!({"data": {}})),
        )
        .await;
    assert_eq!(got, (409, json!("Shortlink ID already in use")));
    assert_eq!(
        v1_read(&app, &key, TID, "dup").await,
        (200, json!({"pid": "first"}))
    );
    assert_eq!(
        v1_create(&app, &key, "Other", again).await,
        (200, json!("https://other.links.test/Other/dup"))
    );
    // Ids are case-sensitive.
    assert_eq!(
        v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "DUP"}))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_wrong_method_is_405_with_a_json_string() {
    let (app, key) = feedme().await;
    let response = app
        .send(
            "PATCH",
            "/shortlink/v1/H5hv?id=x",
            Some(&key),
            Some("{}".into()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!("This method is not allowed on this path; see the allow header")
    );
    // Without a key the caller learns nothing but that it must authenticate.
    let got = app
        .json("PATCH", "/shortlink/v1/H5hv?id=x", None, Some(json!({})))
        .await;
    assert_eq!(got, (401, json!("Authentication Failed")));
}
