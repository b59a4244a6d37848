//! TTLs, updates that reset the expiry, expiry itself and `renew_ttl`,
//! through both API versions, on the test clock.

mod common;

use common::*;
use serde_json::{Value, json};
use waylink_core::clock::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};

const M: i64 = 60;
const H: i64 = 3_600;
const D: i64 = DAY_SECS;

/// (ttl sent, seconds under v1, seconds under v2)
fn ttl_table() -> Vec<(Value, i64, i64)> {
    vec![
        (json!("10m"), 10 * M, 10 * M),
        (json!("20h"), 20 * H, 20 * H),
        (json!("14d"), 14 * D, 14 * D),
        (json!("14"), 14 * D, 14 * D),
        (json!(14), 14 * D, 14 * D),
        (json!("31d"), 31 * D, 31 * D),
        (json!("60d"), 31 * D, 60 * D),
        (json!("745h"), 31 * D, 745 * H),
        (json!("730d"), 31 * D, 730 * D),
        (json!(730), 31 * D, 730 * D),
        (json!("731d"), 31 * D, 31 * D),
        (json!("99999999999999999999d"), 31 * D, 31 * D),
        (json!(null), 31 * D, 31 * D),
    ]
}

#[tokio::test]
async fn each_ttl_form_gives_these_seconds_in_each_version() {
    let (app, key) = feedme().await;
    for (n, (ttl, v1, v2)) in ttl_table().into_iter().enumerate() {
        let (id1, id2) = (format!("v1-{n}"), format!("v2-{n}"));
        let (s, b) = v1_create(
            &app,
            &key,
            TID,
            json!({"data": {}, "ttl": ttl, "shortlink_id": id1}),
        )
        .await;
        assert_eq!(s, 200, "{ttl}: {b}");
        let (s, b) = v2_create(
            &app,
            &key,
            TID,
            json!({"data": {}, "ttl": ttl, "shortlink_id": id2}),
        )
        .await;
        assert_eq!(s, 200, "{ttl}: {b}");
        assert_eq!(ttl_of(&app, &key, &id1).await, v1, "v1 {ttl}");
        assert_eq!(ttl_of(&app, &key, &id2).await, v2, "v2 {ttl}");
    }
}

#[tokio::test]
async fn a_link_without_ttl_lives_31_days() {
    let (app, key) = feedme().await;
    v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "d1"})).await;
    v2_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "d2"})).await;
    for id in ["d1", "d2"] {
        let (_, body) = v2_read(&app, &key, TID, id).await;
        assert_eq!(
            (&body["ttl"], &body["expiry"]),
            (&json!(31 * D), &json!("2026-12-23T12:00:00Z"))
        );
    }
}

#[tokio::test]
async fn zero_negative_and_garbage_ttls_are_400_in_both_versions() {
    let (app, key) = feedme().await;
    for (ttl, shown) in [
        (json!("0"), "\"0\""),
        (json!("0m"), "\"0m\""),
        (json!(-1), "-1"),
        (json!("-1d"), "\"-1d\""),
        (json!(""), "\"\""),
        (json!("d"), "\"d\""),
        (json!(" 14d"), "\" 14d\""),
        (json!("14D"), "\"14D\""),
        (json!([14]), "[14]"),
        (json!({"d": 14}), "{\"d\":14}"),
    ] {
        let got = v1_create(&app, &key, TID, json!({"data": {}, "ttl": ttl})).await;
        assert_eq!(got, (400, json!(ttl_message(shown))), "v1 {ttl}");
        let got = v2_create(&app, &key, TID, json!({"data": {}, "ttl": ttl})).await;
        assert_eq!(got, (400, invalid("ttl", &ttl_message(shown))), "v2 {ttl}");
    }
    let (_, listed) = list_links(&app, &key, TID, "").await;
    assert_eq!(listed["links"], json!([]));
}

#[tokio::test]
async fn an_update_resets_the_expiry_to_now_plus_its_ttl() {
    let (app, key) = feedme().await;
    v2_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "u", "ttl": "1d"}),
    )
    .await;
    app.advance(12 * HOUR_MS);
    v1_update(&app, &key, TID, "u", json!({"data": {}, "ttl": "2h"})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 2 * H);
    // Without a ttl: 31 days from now, even for a link made shorter.
    app.advance(HOUR_MS);
    v1_update(&app, &key, TID, "u", json!({"data": {}})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 31 * D);
    v2_update(&app, &key, TID, "u", json!({"data": {}, "ttl": "10m"})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 10 * M);
    v2_update(&app, &key, TID, "u", json!({"data": {}})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 31 * D);
    // The caps of each version apply to updates too.
    v1_update(&app, &key, TID, "u", json!({"data": {}, "ttl": "60d"})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 31 * D);
    v2_update(&app, &key, TID, "u", json!({"data": {}, "ttl": "60d"})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 60 * D);
    v2_update(&app, &key, TID, "u", json!({"data": {}, "ttl": "731d"})).await;
    assert_eq!(ttl_of(&app, &key, "u").await, 31 * D);
    let (_, body) = v2_read(&app, &key, TID, "u").await;
    assert_eq!(body["expiry"], json!("2026-12-24T01:00:00Z"));
}

#[tokio::test]
async fn a_link_lives_until_the_instant_of_its_expiry_and_not_after() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "v1link", "ttl": "10m"}),
    )
    .await;
    v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "v2link", "ttl": "10m"}),
    )
    .await;
    app.advance(10 * MINUTE_MS - 1);
    assert_eq!(
        v1_read(&app, &key, TID, "v1link").await,
        (200, json!({"pid": "sms"}))
    );
    assert_eq!(ttl_of(&app, &key, "v2link").await, 0);
    app.advance(1);
    let body = json!({"data": {"pid": "new"}});
    for id in ["v1link", "v2link"] {
        assert_eq!(
            v1_read(&app, &key, TID, id).await,
            (404, json!("Not Found"))
        );
        assert_eq!(
            v1_update(&app, &key, TID, id, body.clone()).await,
            (404, json!("Not Found"))
        );
        assert_eq!(
            v1_delete(&app, &key, TID, id).await,
            (404, json!("Not Found"))
        );
        assert_eq!(v2_read(&app, &key, TID, id).await, (404, link_not_found()));
        assert_eq!(
            v2_update(&app, &key, TID, id, body.clone()).await,
            (404, link_not_found())
        );
        assert_eq!(
            v2_delete(&app, &key, TID, id).await,
            (404, link_not_found())
        );
        let qr = app
            .json(
                "GET",
                &format!("/api/v2.0/shortlinks/H5hv/{id}/qr"),
                Some(&key),
                None,
            )
            .await;
        assert_eq!(qr, (404, link_not_found()));
    }
}

#[tokio::test]
async fn an_expired_id_may_be_created_again_with_fresh_data() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "old"}, "shortlink_id": "again", "ttl": "1d", "renew_ttl": false}),
    )
    .await;
    app.advance(DAY_MS);
    let got = v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "new"}, "shortlink_id": "again", "ttl": "2d"}),
    )
    .await;
    assert_eq!(got, (200, json!(format!("{HOST}/H5hv/again"))));
    assert_eq!(
        v1_read(&app, &key, TID, "again").await,
        (200, json!({"pid": "new"}))
    );
    assert_eq!(ttl_of(&app, &key, "again").await, 2 * D);
    app.advance(2 * DAY_MS);
    let got = v2_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "newer"}, "shortlink_id": "again"}),
    )
    .await;
    assert_eq!(
        got,
        (200, json!({"shortlink_url": format!("{HOST}/H5hv/again")}))
    );
    let (_, listed) = list_links(&app, &key, TID, "").await;
    let links = listed["links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (&links[0]["data"], &links[0]["renew_ttl"]),
        (&json!({"pid": "newer"}), &json!(true))
    );
    assert_eq!(links[0]["created_at"], json!("2026-11-25T12:00:00Z"));
}

#[tokio::test]
async fn renew_ttl_is_stored_and_shown_by_the_listing() {
    let (app, key) = feedme().await;
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "plain"}),
    )
    .await;
    app.advance(SECOND_MS);
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "fixed", "renew_ttl": false}),
    )
    .await;
    app.advance(SECOND_MS);
    v2_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "fixed2", "renew_ttl": "false"}),
    )
    .await;
    app.advance(SECOND_MS);
    v2_create(
        &app,
        &key,
        TID,
        json!({"data": {}, "shortlink_id": "renews", "renew_ttl": true}),
    )
    .await;
    let renew_of = |listed: &Value| -> Vec<(String, bool)> {
        listed["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["shortlink_id"].as_str().unwrap().to_owned(),
                    l["renew_ttl"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let (_, listed) = list_links(&app, &key, TID, "").await;
    let expected = [
        ("renews", true),
        ("fixed2", false),
        ("fixed", false),
        ("plain", true),
    ]
    .map(|(id, r)| (id.to_owned(), r));
    assert_eq!(renew_of(&listed), expected);
    // An update without renew_ttl keeps it; with it, changes it.
    v1_update(&app, &key, TID, "fixed", json!({"data": {"x": "1"}})).await;
    v2_update(
        &app,
        &key,
        TID,
        "plain",
        json!({"data": {}, "renew_ttl": false}),
    )
    .await;
    v2_update(
        &app,
        &key,
        TID,
        "fixed2",
        json!({"data": {}, "renew_ttl": true}),
    )
    .await;
    let (_, listed) = list_links(&app, &key, TID, "").await;
    let expected = [
        ("renews", true),
        ("fixed2", true),
        ("fixed", false),
        ("plain", false),
    ]
    .map(|(id, r)| (id.to_owned(), r));
    assert_eq!(renew_of(&listed), expected);
}
