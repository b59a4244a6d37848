//! Link data round-trips byte for byte through every route that writes or
//! shows it.

mod common;

use common::*;
use serde_json::{Map, Value, json};

/// Values a careless encoder would mangle, under keys that would too.
fn tricky() -> Value {
    json!({
        "unicode": "Bananen für 1 € — バナナ 🍌",
        "percent": "100% off %20 %zz %",
        "amp_eq": "a&b=c&d",
        "plus": "1+1 = 2",
        "quotes": "\"double\" and 'single' and `back`",
        "slashes": "C:\\path\\to/file?x=1#frag",
        "space": "  leading and trailing  ",
        "controls": "tab\tnew\nline\r",
        "html": "<script>alert(1)</script>",
        "url": "https://feedme.example/offer?fruit=bananas&qty=2",
        "emoji key 🍌": "ok",
        "k&y=%2B+": "key with reserved characters",
        "null_text": "null",
        "empty": "",
        "combining": "e\u{301} vs \u{e9}",
        "astral": "\u{1F600}\u{10FFFF}",
    })
}

#[tokio::test]
async fn tricky_values_come_back_byte_for_byte_through_v1() {
    let (app, key) = feedme().await;
    let data = tricky();
    let got = v1_create(
        &app,
        &key,
        TID,
        json!({"data": data, "shortlink_id": "tricky"}),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(
        v1_read(&app, &key, TID, "tricky").await,
        (200, data.clone())
    );
    let mut changed = data.as_object().unwrap().clone();
    changed.insert("percent".into(), json!("%E2%82%AC is not €"));
    let got = v1_update(&app, &key, TID, "tricky", json!({"data": changed})).await;
    assert_eq!(got.0, 200);
    assert_eq!(
        v1_read(&app, &key, TID, "tricky").await,
        (200, Value::Object(changed))
    );
}

#[tokio::test]
async fn tricky_values_come_back_byte_for_byte_through_v2_batch_and_listing() {
    let (app, key) = feedme().await;
    let data = tricky();
    assert_eq!(
        v2_create(&app, &key, TID, json!({"data": data, "shortlink_id": "v2"}))
            .await
            .0,
        200
    );
    let (status, body) = v2_read(&app, &key, TID, "v2").await;
    assert_eq!((status, &body["payload"]), (200, &data));
    let got = v2_update(&app, &key, TID, "v2", json!({"data": {"amp_eq": "x&y=z"}})).await;
    assert_eq!(got.0, 200);
    assert_eq!(
        v2_read(&app, &key, TID, "v2").await.1["payload"],
        json!({"amp_eq": "x&y=z"})
    );
    let (status, results) = batch(
        &app,
        &key,
        TID,
        json!([{"data": data, "shortlink_id": "batch"}]),
    )
    .await;
    assert_eq!(
        (status, &results[0]["shortlink_id"]),
        (200, &json!("batch"))
    );
    assert_eq!(v1_read(&app, &key, TID, "batch").await, (200, data.clone()));
    let (_, page) = list_links(&app, &key, TID, "?limit=1").await;
    let listed = &page["links"][0];
    assert_eq!(
        (&listed["shortlink_id"], &listed["data"]),
        (&json!("v2"), &json!({"amp_eq": "x&y=z"}))
    );
    // A filter on a tricky value, percent-encoded in the query, finds it.
    let query = form_urlencoded::Serializer::new(String::from("?"))
        .append_pair("percent", "100% off %20 %zz %")
        .append_pair("emoji key 🍌", "ok")
        .finish();
    let (_, page) = list_links(&app, &key, TID, &query).await;
    assert_eq!(page["links"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(
        (&page["links"][0]["shortlink_id"], &page["links"][0]["data"]),
        (&json!("batch"), &data)
    );
}

#[tokio::test]
async fn escaped_json_and_raw_utf8_bodies_store_the_same_text() {
    let (app, key) = feedme().await;
    let escaped = r#"{"data": {"fruit": "\u00e9\ud83c\udf4c \"q\" \\ \/"}, "shortlink_id": "esc"}"#;
    let raw = "{\"data\": {\"fruit\": \"é🍌 \\\"q\\\" \\\\ /\"}, \"shortlink_id\": \"raw\"}";
    for body in [escaped, raw] {
        let response = app
            .send(
                "POST",
                "/shortlink/v1/H5hv",
                Some(&key),
                Some(body.to_owned()),
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "{body}");
    }
    let expected: Map<String, Value> = [("fruit".to_owned(), json!("é🍌 \"q\" \\ /"))]
        .into_iter()
        .collect();
    for id in ["esc", "raw"] {
        assert_eq!(
            v1_read(&app, &key, TID, id).await,
            (200, Value::Object(expected.clone()))
        );
    }
}
