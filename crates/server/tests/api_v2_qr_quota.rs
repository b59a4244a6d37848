//! The v2 QR code and quota routes.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn the_quota_route_reports_what_is_left_until_midnight_utc() {
    let (app, key) = feedme().await;
    let expected = json!({"remaining_api_calls": 250000, "daily_quota": 250000, "resets_at": "2026-11-23T00:00:00Z"});
    assert_eq!(
        app.json("GET", "/api/v2.0/shortlinks-quota", Some(&key), None)
            .await,
        (200, expected)
    );
    v2_create(&app, &key, TID, json!({"data": {}})).await;
    v1_create(&app, &key, TID, json!({"data": {}})).await;
    assert_eq!(remaining(&app, &key).await, 249_998);
    app.advance(12 * 3_600_000);
    let (_, body) = app
        .json("GET", "/api/v2.0/shortlinks-quota", Some(&key), None)
        .await;
    assert_eq!(
        body,
        json!({"remaining_api_calls": 250000, "daily_quota": 250000, "resets_at": "2026-11-24T00:00:00Z"})
    );
}

fn data_url_bytes(body: &Value, mime: &str) -> Vec<u8> {
    let url = body["qr"].as_str().expect("a qr data URL");
    let encoded = url
        .strip_prefix(&format!("data:{mime};base64,"))
        .unwrap_or_else(|| panic!("not a {mime} data URL: {}", &url[..40.min(url.len())]));
    STANDARD.decode(encoded).expect("base64")
}

#[tokio::test]
async fn a_qr_code_comes_as_a_png_data_url_of_the_asked_size() {
    let (app, key) = with_link().await;
    let path = "/api/v2.0/shortlinks/H5hv/bananas7/qr";
    for (query, size) in [
        ("", 300),
        ("?size=120", 120),
        ("?size=50&format=png", 50),
        ("?size=3000", 3000),
        ("?size=301", 301),
    ] {
        let (status, body) = app
            .json("GET", &format!("{path}{query}"), Some(&key), None)
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body.as_object().unwrap().len(), 1);
        assert_eq!(
            png_size(&data_url_bytes(&body, "image/png")),
            (size, size),
            "{query}"
        );
    }
    let (status, body) = app
        .json(
            "GET",
            &format!("{path}?format=svg&size=200"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let svg = String::from_utf8(data_url_bytes(&body, "image/svg+xml")).unwrap();
    assert!(
        svg.contains(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="200" height="200" "#
        ),
        "{svg}"
    );
}

#[tokio::test]
async fn with_an_image_accept_header_the_qr_code_is_the_image_itself() {
    let (app, key) = with_link().await;
    let url = app.url("/api/v2.0/shortlinks/H5hv/bananas7/qr?size=500&format=svg");
    let response = app
        .client
        .get(&url)
        .header("authorization", &key)
        .header("accept", "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("image/png")
    );
    assert_eq!(png_size(&response.bytes().await.unwrap()), (500, 500));
    let response = app
        .client
        .get(&url)
        .header("authorization", &key)
        .header("accept", "image/svg+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("image/svg+xml")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("<svg") && text.trim_end().ends_with("</svg>"),
        "{text}"
    );
    let tag = &text[text.find("<svg").unwrap()..];
    assert!(
        tag.starts_with("<svg")
            && tag[..tag.find('>').unwrap()].contains(r#" width="500" height="500" "#),
        "{tag}"
    );
}

#[tokio::test]
async fn a_bad_qr_size_or_format_is_400_and_a_missing_link_404() {
    let (app, key) = with_link().await;
    let size = invalid(
        "size",
        "size must be a whole number of pixels from 50 to 3000",
    );
    for query in [
        "size=49",
        "size=3001",
        "size=0",
        "size=-5",
        "size=abc",
        "size=",
        "size=300.5",
    ] {
        let got = app
            .json(
                "GET",
                &format!("/api/v2.0/shortlinks/H5hv/bananas7/qr?{query}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(got, (400, size.clone()), "{query}");
    }
    for query in ["format=gif", "format=PNG", "format="] {
        let got = app
            .json(
                "GET",
                &format!("/api/v2.0/shortlinks/H5hv/bananas7/qr?{query}"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(
            got,
            (400, invalid("format", "format must be png or svg")),
            "{query}"
        );
    }
    let got = app
        .json(
            "GET",
            "/api/v2.0/shortlinks/H5hv/nosuch/qr",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(got, (404, link_not_found()));
    let got = app
        .json(
            "GET",
            "/api/v2.0/shortlinks/Nope1/bananas7/qr",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(got, (404, template_not_found()));
    let got = app
        .json("GET", "/api/v2.0/shortlinks/H5hv/bananas7/qr", None, None)
        .await;
    assert_eq!(got, (401, unauthenticated()));
    app.advance(31 * DAY_SECS * 1000);
    let got = app
        .json(
            "GET",
            "/api/v2.0/shortlinks/H5hv/bananas7/qr",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(got, (404, link_not_found()));
}
