//! `/api/v1/templates`: the account's templates.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn creating_a_template_answers_201_with_its_fields_and_domain() {
    let (app, key) = with_apps().await;
    let body = json!({"id": "H5hv", "subdomain": "FeedMe", "android_app_id": "com.a.app", "ios_app_id": "id111",
        "uri_scheme": "FeedMe", "desktop_url": "https://feedme.example/", "brand_domains": ["Go.FeedMe.example"],
        "allowed_redirect_domains": ["feedme.example"], "og_title": "Bananas", "og_description": "Cheap bananas",
        "og_image": "https://feedme.example/b.png"});
    let (status, got) = create_template(&app, &key, body).await;
    let expected = json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.a.app", "ios_app_id": "id111",
        "uri_scheme": "feedme", "desktop_url": "https://feedme.example/", "brand_domains": ["go.feedme.example"],
        "allowed_redirect_domains": ["feedme.example"], "og_title": "Bananas", "og_description": "Cheap bananas",
        "og_image": "https://feedme.example/b.png", "domain": "feedme.links.test",
        "apple_app_site_association_url": "https://feedme.links.test/.well-known/apple-app-site-association",
        "assetlinks_url": "https://feedme.links.test/.well-known/assetlinks.json"});
    assert_eq!((status, got), (201, expected.clone()));
    assert_eq!(
        app.json("GET", "/api/v1/templates/H5hv", Some(&key), None)
            .await,
        (200, expected.clone())
    );
    assert_eq!(
        app.json("GET", "/api/v1/templates", Some(&key), None).await,
        (200, json!({"templates": [expected]}))
    );
    // Ids are case-sensitive: h5hv is another template.
    assert_eq!(
        app.json("GET", "/api/v1/templates/h5hv", Some(&key), None)
            .await,
        (404, template_not_found())
    );
}

#[tokio::test]
async fn a_template_without_an_id_gets_a_generated_one_of_4_characters() {
    let (app, key) = with_apps().await;
    let (status, got) = create_template(
        &app,
        &key,
        json!({"subdomain": "feedme", "ios_app_id": "id111"}),
    )
    .await;
    assert_eq!(status, 201, "{got}");
    let id = got["id"].as_str().unwrap();
    assert!(
        id.len() == 4 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(got["brand_domains"], json!([]));
    let (status, read) = app
        .json("GET", &format!("/api/v1/templates/{id}"), Some(&key), None)
        .await;
    assert_eq!((status, read), (200, got));
}

#[tokio::test]
async fn template_ids_that_name_a_route_or_are_malformed_are_400() {
    let (app, key) = with_apps().await;
    for id in [
        "admin", "health", "metrics", "static", "assets", "docs", "ADMIN", "login",
    ] {
        let (status, got) = create_template(
            &app,
            &key,
            json!({"id": id, "subdomain": "x", "android_app_id": "com.a.app"}),
        )
        .await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!("id")),
            "{id}: {got}"
        );
        assert!(got["message"].as_str().unwrap().contains("route"), "{got}");
    }
    for id in ["abc", "abcdefghi", "ab-c", "abcé", ""] {
        let (status, got) = create_template(
            &app,
            &key,
            json!({"id": id, "subdomain": "x", "android_app_id": "com.a.app"}),
        )
        .await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!("id")),
            "{id}: {got}"
        );
    }
}

#[tokio::test]
async fn bad_template_fields_are_400_naming_the_field() {
    let (app, key) = with_apps().await;
    let base = |extra: Value| {
        let mut b = json!({"subdomain": "feedme", "android_app_id": "com.a.app"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases = [
        (base(json!({"subdomain": null})), "subdomain"),
        (base(json!({"subdomain": "-x"})), "subdomain"),
        (base(json!({"subdomain": "a.b"})), "subdomain"),
        (base(json!({"android_app_id": null})), "android_app_id"),
        (base(json!({"uri_scheme": "javascript"})), "uri_scheme"),
        (base(json!({"uri_scheme": "https"})), "uri_scheme"),
        (
            base(json!({"desktop_url": "javascript:alert(1)"})),
            "desktop_url",
        ),
        (
            base(json!({"desktop_url": "ftp://x.example/"})),
            "desktop_url",
        ),
        (base(json!({"og_image": "not a url"})), "og_image"),
        (base(json!({"og_title": "t".repeat(301)})), "og_title"),
        (base(json!({"brand_domains": ["evil"]})), "brand_domains"),
        (
            base(json!({"brand_domains": ["go.links.test"]})),
            "brand_domains",
        ),
        (
            base(json!({"brand_domains": ["links.test"]})),
            "brand_domains",
        ),
        (
            base(json!({"allowed_redirect_domains": ["x.example:80"]})),
            "allowed_redirect_domains",
        ),
        (base(json!({"wat": 1})), "body"),
        (base(json!({"brand_domains": "go.feedme.example"})), "body"),
    ];
    for (body, field) in cases {
        let (status, got) = create_template(&app, &key, body.clone()).await;
        assert_eq!(
            (status, &got["parameter"]),
            (400, &json!(field)),
            "{body}: {got}"
        );
        assert_eq!(got["error_type"], "invalid_parameter");
    }
    assert_eq!(
        app.json("GET", "/api/v1/templates", Some(&key), None)
            .await
            .1,
        json!({"templates": []})
    );
}

#[tokio::test]
async fn a_taken_template_id_or_subdomain_is_409_even_in_another_account() {
    let (app, key) = with_apps().await;
    let other = app.create_account("b", None).await.api_key;
    let (s, _) = app
        .json(
            "POST",
            "/api/v1/apps",
            Some(&other),
            Some(android("com.b.app")),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = create_template(&app, &key, json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.a.app", "brand_domains": ["go.feedme.example"]})).await;
    assert_eq!(s, 201);
    for k in [&key, &other] {
        let app_id = if k == &key { "com.a.app" } else { "com.b.app" };
        let cases = [
            (
                json!({"id": "H5hv", "subdomain": "fresh", "android_app_id": app_id}),
                "the template id H5hv is already in use",
            ),
            (
                json!({"id": "New1", "subdomain": "FEEDME", "android_app_id": app_id}),
                "the subdomain feedme is already in use",
            ),
        ];
        for (body, message) in cases {
            let (status, got) = create_template(&app, k, body).await;
            assert_eq!((status, got), (409, error("conflict", message)));
        }
    }
    let (status, got) = create_template(&app, &other, json!({"id": "New2", "subdomain": "other", "android_app_id": "com.b.app", "brand_domains": ["go.feedme.example"]})).await;
    assert_eq!(
        (status, got),
        (
            409,
            error(
                "conflict",
                "the brand domain go.feedme.example is already in use"
            )
        )
    );
}

#[tokio::test]
async fn a_template_may_only_name_apps_of_its_account_and_platform() {
    let (app, key) = with_apps().await;
    let other = app.create_account("b", None).await.api_key;
    let (s, _) = app
        .json(
            "POST",
            "/api/v1/apps",
            Some(&other),
            Some(android("com.b.app")),
        )
        .await;
    assert_eq!(s, 201);
    let android_msg = "android_app_id must name a android app of this account; register it with POST /api/v1/apps first";
    let ios_msg =
        "ios_app_id must name a ios app of this account; register it with POST /api/v1/apps first";
    let cases = [
        (
            json!({"android_app_id": "com.b.app"}),
            "android_app_id",
            android_msg,
        ),
        (
            json!({"android_app_id": "com.never.app"}),
            "android_app_id",
            android_msg,
        ),
        (
            json!({"android_app_id": "id111"}),
            "android_app_id",
            android_msg,
        ),
        (json!({"ios_app_id": "com.a.app"}), "ios_app_id", ios_msg),
        (json!({"ios_app_id": "id999"}), "ios_app_id", ios_msg),
    ];
    for (mut body, field, message) in cases {
        body["subdomain"] = json!("x");
        let (status, got) = create_template(&app, &key, body.clone()).await;
        assert_eq!((status, got), (400, invalid(field, message)), "{body}");
    }
}

#[tokio::test]
async fn a_template_is_patched_but_its_id_never_changes() {
    let (app, key) = with_apps().await;
    let k = Some(key.as_str());
    let (_, created) = create_template(&app, &key, json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.a.app", "desktop_url": "https://a.example/"})).await;
    let (s, _) = create_template(
        &app,
        &key,
        json!({"id": "Taken", "subdomain": "taken", "android_app_id": "com.a.app"}),
    )
    .await;
    assert_eq!(s, 201);
    let (status, got) = app.json("PATCH", "/api/v1/templates/H5hv", k, Some(json!({"subdomain": "fm", "desktop_url": null, "ios_app_id": "id111", "id": "H5hv"}))).await;
    assert_eq!(status, 200, "{got}");
    let mut expected = created.clone();
    let map = expected.as_object_mut().unwrap();
    map.remove("desktop_url");
    map.insert("subdomain".into(), json!("fm"));
    map.insert("ios_app_id".into(), json!("id111"));
    map.insert("domain".into(), json!("fm.links.test"));
    map.insert(
        "apple_app_site_association_url".into(),
        json!("https://fm.links.test/.well-known/apple-app-site-association"),
    );
    map.insert(
        "assetlinks_url".into(),
        json!("https://fm.links.test/.well-known/assetlinks.json"),
    );
    assert_eq!(got, expected);
    assert_eq!(
        app.json("GET", "/api/v1/templates/H5hv", k, None).await,
        (200, expected.clone())
    );
    let cases = [
        (json!({"id": "Other1"}), 400, "id"),
        (
            json!({"android_app_id": null, "ios_app_id": null}),
            400,
            "android_app_id",
        ),
        (json!({"uri_scheme": "javascript"}), 400, "uri_scheme"),
        (json!({"android_app_id": "id111"}), 400, "android_app_id"),
        (json!(["x"]), 400, "body"),
    ];
    for (body, code, field) in cases {
        let (status, got) = app
            .json("PATCH", "/api/v1/templates/H5hv", k, Some(body.clone()))
            .await;
        assert_eq!(
            (status, &got["parameter"]),
            (code, &json!(field)),
            "{body}: {got}"
        );
    }
    let (status, got) = app
        .json(
            "PATCH",
            "/api/v1/templates/H5hv",
            k,
            Some(json!({"subdomain": "taken"})),
        )
        .await;
    assert_eq!(
        (status, got),
        (
            409,
            error("conflict", "the subdomain taken is already in use")
        )
    );
    assert_eq!(
        app.json("GET", "/api/v1/templates/H5hv", k, None).await,
        (200, expected)
    );
    let (status, got) = app
        .json(
            "PATCH",
            "/api/v1/templates/Nope1",
            k,
            Some(json!({"subdomain": "zz"})),
        )
        .await;
    assert_eq!((status, got), (404, template_not_found()));
}

#[tokio::test]
async fn deleting_a_template_takes_its_links_with_it() {
    let (app, key) = feedme().await;
    let (s, _) = v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "bananas7"}),
    )
    .await;
    assert_eq!(s, 200);
    let response = app
        .send("DELETE", "/api/v1/templates/H5hv", Some(&key), None)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(response.text().await.unwrap(), "");
    assert_eq!(
        v1_read(&app, &key, TID, "bananas7").await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        v2_read(&app, &key, TID, "bananas7").await,
        (404, template_not_found())
    );
    for method in ["GET", "DELETE"] {
        assert_eq!(
            app.json(method, "/api/v1/templates/H5hv", Some(&key), None)
                .await,
            (404, template_not_found())
        );
    }
    // Id and subdomain are free again; the old links do not come back.
    let (s, got) = app
        .json(
            "POST",
            "/api/v1/templates",
            Some(&key),
            Some(json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app"})),
        )
        .await;
    assert_eq!(s, 201, "{got}");
    assert_eq!(
        v1_read(&app, &key, TID, "bananas7").await,
        (404, json!("Not Found"))
    );
    assert_eq!(
        list_links(&app, &key, TID, "").await,
        (200, json!({"links": [], "next_cursor": null}))
    );
}
