//! `POST /api/v1/templates/{tid}/links:batch` and
//! `GET /api/v1/templates/{tid}/links`.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value, json};
use waylink_core::clock::{MINUTE_MS, SECOND_MS};

fn ok(id: &str) -> Value {
    json!({"shortlink_url": format!("{HOST}/H5hv/{id}"), "shortlink_id": id})
}

fn ids_of(page: &Value) -> Vec<String> {
    page["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["shortlink_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_batch_answers_one_result_per_item_in_order_and_bad_items_stop_nothing() {
    let (app, key) = feedme().await;
    assert_eq!(
        v1_create(
            &app,
            &key,
            TID,
            json!({"data": {"pid": "old"}, "shortlink_id": "taken"})
        )
        .await
        .0,
        200
    );
    let items = json!([
        {"data": {"pid": "sms", "n": 1}, "shortlink_id": "good1"},
        {"ttl": "1d"},
        {"data": {}, "ttl": "0d"},
        {"data": {}, "shortlink_id": "a b"},
        {"data": {"pid": "new"}, "shortlink_id": "taken"},
        {"data": {"pid": "gen"}, "ttl": "60d"},
        {"data": {"pid": "dup"}, "shortlink_id": "good1"},
        {"data": {}, "brand_domain": "go.other.example"},
        "pid=sms",
        {"data": {"pid": "brand"}, "shortlink_id": "brand1", "brand_domain": BRAND, "renew_ttl": false},
        {"data": {"k": "x".repeat(2047)}},
    ]);
    let (status, results) = batch(&app, &key, TID, items).await;
    assert_eq!(status, 200, "{results}");
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 11);
    let generated = results[5]["shortlink_id"].as_str().unwrap().to_owned();
    assert!(is_generated_id(&generated), "{generated}");
    let expected = vec![
        ok("good1"),
        invalid(
            "data",
            "Invalid/no data in request: the body needs \"data\", an object of link parameters",
        ),
        invalid("ttl", &ttl_message("\"0d\"")),
        invalid(
            "shortlink_id",
            "shortlink_id must be 1 to 50 characters of A-Z, a-z, 0-9, _ and -; \"a b\" is not",
        ),
        error("conflict", "Shortlink ID already in use"),
        ok(&generated),
        error("conflict", "Shortlink ID already in use"),
        error(
            "wrong_brand_domain",
            "Brand domain mismatch: \"go.other.example\" is not a brand domain of template H5hv",
        ),
        invalid(
            "body",
            "each item must be an object such as {\"data\": {\"pid\": \"sms\"}}",
        ),
        json!({"shortlink_url": "https://go.feedme.example/H5hv/brand1", "shortlink_id": "brand1"}),
        error(
            "limit_exceeded",
            "Data sent exceeds limit: the data makes a query string of 2049 characters; at most 2048 are allowed",
        ),
    ];
    assert_eq!(results, &expected);
    assert_eq!(
        v1_read(&app, &key, TID, "good1").await,
        (200, json!({"pid": "sms", "n": "1"}))
    );
    assert_eq!(
        v1_read(&app, &key, TID, "taken").await,
        (200, json!({"pid": "old"}))
    );
    assert_eq!(
        v1_read(&app, &key, TID, &generated).await,
        (200, json!({"pid": "gen"}))
    );
    // Batch TTLs follow version 2.
    assert_eq!(ttl_of(&app, &key, &generated).await, 60 * DAY_SECS);
    let (_, listed) = list_links(&app, &key, TID, "?pid=brand").await;
    assert_eq!(listed["links"][0]["renew_ttl"], json!(false));
    assert_eq!(listed["links"][0]["brand_domain"], json!(BRAND));
    let all: BTreeSet<String> = ids_of(&list_links(&app, &key, TID, "").await.1)
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = ["good1", "taken", "brand1", generated.as_str()]
        .map(String::from)
        .into();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_malformed_batch_or_one_of_more_than_10000_items_is_refused_whole() {
    let (app, acc) = feedme_with_quota(20_000).await;
    let key = acc.api_key.as_str();
    let too_many = Value::Array(vec![json!({"data": {}}); 10_001]);
    let got = batch(&app, key, TID, too_many).await;
    assert_eq!(
        got,
        (
            400,
            error(
                "limit_exceeded",
                "a batch holds at most 10000 links; this one has 10001: split it"
            )
        )
    );
    let not_array =
        "the body must be a JSON array of links such as [{\"data\": {\"pid\": \"sms\"}}]";
    assert_eq!(
        batch(&app, key, TID, json!({"data": {}})).await,
        (400, invalid("body", not_array))
    );
    let r = app
        .send(
            "POST",
            "/api/v1/templates/H5hv/links:batch",
            Some(key),
            Some("[{".into()),
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("the body is not valid JSON"),
        "{body}"
    );
    assert_eq!(remaining(&app, key).await, 20_000);
    assert_eq!(batch(&app, key, TID, json!([])).await, (200, json!([])));
    let got = batch(&app, key, "Nope1", json!([{"data": {}}])).await;
    assert_eq!(got, (404, template_not_found()));
    assert_eq!(batch(&app, key, TID, json!([{"data": {}}])).await.0, 200);
    let got = app
        .json(
            "POST",
            "/api/v1/templates/H5hv/links:batch",
            None,
            Some(json!([])),
        )
        .await;
    assert_eq!(got, (401, unauthenticated()));
}

#[tokio::test]
async fn a_batch_of_exactly_10000_items_is_created_whole() {
    let (app, key) = feedme().await;
    let items: Vec<Value> = (0..10_000).map(|i| json!({"data": {"n": i}})).collect();
    let (status, results) = batch(&app, &key, TID, Value::Array(items)).await;
    assert_eq!(status, 200);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 10_000);
    let ids: BTreeSet<&str> = results
        .iter()
        .map(|r| r["shortlink_id"].as_str().expect("created"))
        .collect();
    assert_eq!(ids.len(), 10_000);
    let last = results[9_999]["shortlink_id"].as_str().unwrap();
    assert_eq!(
        v1_read(&app, &key, TID, last).await,
        (200, json!({"n": "9999"}))
    );
    assert_eq!(remaining(&app, &key).await, 240_000);
}

#[tokio::test]
async fn every_batch_item_counts_once_and_items_past_the_quota_are_refused() {
    let (app, acc) = feedme_with_quota(6).await;
    let key = acc.api_key.as_str();
    assert_eq!(v1_create(&app, key, TID, json!({"data": {}})).await.0, 200);
    // A bad item counts too.
    let (status, results) = batch(
        &app,
        key,
        TID,
        json!([{"data": {}, "shortlink_id": "b0"}, {}]),
    )
    .await;
    assert_eq!(
        (status, results[1]["error_type"].clone()),
        (200, json!("invalid_parameter"))
    );
    assert_eq!(remaining(&app, key).await, 3);
    let items: Vec<Value> = (1..=5)
        .map(|i| json!({"data": {}, "shortlink_id": format!("b{i}")}))
        .collect();
    let (status, results) = batch(&app, key, TID, Value::Array(items)).await;
    assert_eq!(status, 200);
    let over = error(
        "quota_exceeded",
        "Daily quota exceeded: 6 link creates, updates and deletes per day; it resets at 00:00 UTC",
    );
    assert_eq!(results, json!([ok("b1"), ok("b2"), ok("b3"), over, over]));
    assert_eq!(v1_read(&app, key, TID, "b3").await.0, 200);
    assert_eq!(
        v1_read(&app, key, TID, "b4").await,
        (404, json!("Not Found"))
    );
    assert_eq!(remaining(&app, key).await, 0);
    // Once the quota is used up every item, of any batch size, says so.
    for size in [1, 2] {
        let items = Value::Array(vec![json!({"data": {}}); size]);
        let (status, results) = batch(&app, key, TID, items).await;
        assert_eq!(
            (status, results),
            (200, Value::Array(vec![over.clone(); size])),
            "{size}"
        );
    }
    assert_eq!(
        v1_create(&app, key, TID, json!({"data": {}})).await,
        (429, json!("Daily quota exceeded"))
    );
}

#[tokio::test]
async fn the_listing_shows_live_links_newest_first_with_their_fields() {
    let (app, key) = feedme().await;
    for (i, id) in ["first", "second", "third"].iter().enumerate() {
        let body = json!({"data": {"pid": "sms", "i": i}, "shortlink_id": id, "ttl": "2d"});
        assert_eq!(v1_create(&app, &key, TID, body).await.0, 200);
        app.advance(SECOND_MS);
    }
    v2_create(&app, &key, TID, json!({"data": {"pid": "x"}, "shortlink_id": "brand", "brand_domain": BRAND, "renew_ttl": false})).await;
    let (status, page) = list_links(&app, &key, TID, "").await;
    assert_eq!(status, 200);
    assert_eq!(ids_of(&page), ["brand", "third", "second", "first"]);
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(
        page["links"][0],
        json!({"shortlink_id": "brand", "shortlink_url": "https://go.feedme.example/H5hv/brand",
        "data": {"pid": "x"}, "expiry": "2026-12-23T12:00:03Z", "ttl": 31 * DAY_SECS, "renew_ttl": false,
        "brand_domain": BRAND, "created_at": "2026-11-22T12:00:03Z"})
    );
    assert_eq!(
        page["links"][3],
        json!({"shortlink_id": "first", "shortlink_url": format!("{HOST}/H5hv/first"),
        "data": {"pid": "sms", "i": "0"}, "expiry": "2026-11-24T12:00:00Z", "ttl": 2 * DAY_SECS - 3, "renew_ttl": true,
        "brand_domain": null, "created_at": "2026-11-22T12:00:00Z"})
    );
}

#[tokio::test]
async fn paging_with_limit_and_cursor_returns_every_live_link_once() {
    let (app, key) = feedme().await;
    // Seven links made in the same millisecond and three later ones.
    let items: Vec<Value> = (0..7).map(|i| json!({"data": {"i": i}})).collect();
    assert_eq!(batch(&app, &key, TID, Value::Array(items)).await.0, 200);
    let mut made = Vec::new();
    for i in 0..3 {
        app.advance(SECOND_MS);
        let id = format!("late{i}");
        v2_create(&app, &key, TID, json!({"data": {}, "shortlink_id": id})).await;
        made.push(id);
    }
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = list_links(&app, &key, TID, &query).await;
        assert_eq!(status, 200, "{page}");
        let ids = ids_of(&page);
        assert!(ids.len() <= 3);
        seen.extend(ids);
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 10);
    assert_eq!(seen[..3], ["late2", "late1", "late0"]);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 10);
    let (_, page) = list_links(&app, &key, TID, "?limit=1000").await;
    assert_eq!(ids_of(&page), seen);
}

#[tokio::test]
async fn filters_match_link_data_exactly_and_all_together() {
    let (app, key) = feedme().await;
    for (id, data) in [
        ("a", json!({"pid": "sms", "c": "bananas"})),
        ("b", json!({"pid": "sms", "c": "apples"})),
        ("c", json!({"pid": "email", "c": "bananas"})),
        ("d", json!({"pid": "sms", "c": "bananas", "x": "a&b=c d"})),
    ] {
        v1_create(&app, &key, TID, json!({"data": data, "shortlink_id": id})).await;
    }
    let cases = [
        ("?pid=sms&c=bananas", vec!["d", "a"]),
        ("?pid=sms", vec!["d", "b", "a"]),
        ("?c=bananas&limit=1", vec!["d"]),
        ("?x=a%26b%3Dc%20d", vec!["d"]),
        ("?x=a%26b%3Dc+d", vec!["d"]),
        ("?pid=SMS", vec![]),
        ("?nope=1", vec![]),
    ];
    for (query, expected) in cases {
        let (status, page) = list_links(&app, &key, TID, query).await;
        assert_eq!(status, 200);
        let mut ids = ids_of(&page);
        ids.sort_by(|a, b| b.cmp(a));
        assert_eq!(ids, expected, "{query}");
    }
}

#[tokio::test]
async fn expired_and_deleted_links_are_not_listed() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "short", "ttl": "10m"}),
    )
    .await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "long", "ttl": "1d"}),
    )
    .await;
    v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "gone"})).await;
    v1_delete(&app, &key, TID, "gone").await;
    let mut ids = ids_of(&list_links(&app, &key, TID, "").await.1);
    ids.sort();
    assert_eq!(ids, ["long", "short"]);
    app.advance(10 * MINUTE_MS);
    assert_eq!(ids_of(&list_links(&app, &key, TID, "").await.1), ["long"]);
}

#[tokio::test]
async fn a_bad_limit_or_cursor_is_400_and_an_unknown_template_404() {
    let (app, key) = feedme().await;
    for limit in ["0", "1001", "x", "-1", ""] {
        let got = list_links(&app, &key, TID, &format!("?limit={limit}")).await;
        assert_eq!(
            got,
            (
                400,
                invalid("limit", "limit must be a whole number from 1 to 1000")
            ),
            "{limit}"
        );
    }
    for cursor in ["!!!", "bm90LWEtY3Vyc29y", "eDpub3BlOmlk", ""] {
        let got = list_links(&app, &key, TID, &format!("?cursor={cursor}")).await;
        let message = "cursor must be a next_cursor value from an earlier page, unchanged";
        assert_eq!(got, (400, invalid("cursor", message)), "{cursor}");
    }
    assert_eq!(
        list_links(&app, &key, "Nope1", "").await,
        (404, template_not_found())
    );
    assert_eq!(
        app.json("GET", "/api/v1/templates/H5hv/links", None, None)
            .await,
        (401, unauthenticated())
    );
}
