//! The 400 answers of the v1 short-link API: JSON strings that say what
//! was wrong.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn missing_or_malformed_data_is_400_invalid_data() {
    let (app, key) = feedme().await;
    let no_data =
        "Invalid/no data in request: the body needs \"data\", an object of link parameters";
    let not_object = "Invalid/no data in request: data must be a JSON object of parameter names to string values";
    let body_not_object = "Invalid/no data in request: the body must be a JSON object such as {\"data\": {\"pid\": \"sms\"}}";
    let cases = [
        (json!({}), no_data.to_owned()),
        (json!({"data": null}), no_data.to_owned()),
        (json!({"ttl": "1d"}), no_data.to_owned()),
        (json!({"data": "pid=sms"}), not_object.to_owned()),
        (json!({"data": [1, 2]}), not_object.to_owned()),
        (json!({"data": {"a": {"b": "c"}}}), "Invalid/no data in request: the value of \"a\" must be a string, a number or a boolean".to_owned()),
        (json!({"data": {"a": [1]}}), "Invalid/no data in request: the value of \"a\" must be a string, a number or a boolean".to_owned()),
        (json!({"data": {"a": null}}), "Invalid/no data in request: the value of \"a\" must be a string, a number or a boolean".to_owned()),
        (json!(["data"]), body_not_object.to_owned()),
        (json!("data"), body_not_object.to_owned()),
    ];
    for (body, message) in cases {
        assert_eq!(
            v1_create(&app, &key, TID, body.clone()).await,
            (400, json!(message)),
            "create {body}"
        );
    }
    v1_create(
        &app,
        &key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "keep"}),
    )
    .await;
    assert_eq!(
        v1_update(&app, &key, TID, "keep", json!({})).await,
        (400, json!(no_data))
    );
    assert_eq!(
        v1_update(&app, &key, TID, "keep", json!({"data": {"a": {}}}))
            .await
            .0,
        400
    );
    for raw in ["", "{not json", "{\"data\": {\"pid\": \"sms\"}"] {
        let response = app
            .send("POST", "/shortlink/v1/H5hv", Some(&key), Some(raw.into()))
            .await;
        assert_eq!(response.status().as_u16(), 400, "{raw:?}");
        let text: String = response.json().await.unwrap();
        assert!(
            text.starts_with("Invalid/no data in request: the body is not valid JSON"),
            "{text}"
        );
    }
    assert_eq!(
        v1_read(&app, &key, TID, "keep").await,
        (200, json!({"pid": "sms"}))
    );
}

#[tokio::test]
async fn bad_data_keys_pid_and_c_are_400() {
    let (app, key) = feedme().await;
    let cases = [
        (
            json!({"": "x"}),
            "parameter names must be 1 to 100 characters long; one has 0",
        ),
        (
            json!({"k".repeat(101): "x"}),
            "parameter names must be 1 to 100 characters long; one has 101",
        ),
        (
            json!({"pid": "p".repeat(151)}),
            "pid must be at most 150 characters long",
        ),
        (
            json!({"c": "c".repeat(101)}),
            "c must be at most 100 characters long",
        ),
    ];
    for (data, message) in cases {
        assert_eq!(
            v1_create(&app, &key, TID, json!({"data": data})).await,
            (400, json!(message))
        );
    }
    let ok = json!({"pid": "p".repeat(150), "c": "ü".repeat(100), "k".repeat(100): "v"});
    assert_eq!(
        v1_create(&app, &key, TID, json!({"data": ok, "shortlink_id": "max"}))
            .await
            .0,
        200
    );
    assert_eq!(v1_read(&app, &key, TID, "max").await, (200, ok));
}

#[tokio::test]
async fn data_making_a_query_string_over_2048_characters_exceeds_the_limit() {
    let (app, key) = feedme().await;
    // "k=" and 2046 characters: exactly 2048.
    let fits = json!({"k": "x".repeat(2046)});
    assert_eq!(
        v1_create(
            &app,
            &key,
            TID,
            json!({"data": fits, "shortlink_id": "fits"})
        )
        .await
        .0,
        200
    );
    let over = json!({"data": {"k": "x".repeat(2047)}});
    assert_eq!(
        v1_create(&app, &key, TID, over.clone()).await,
        (400, json!("Data sent exceeds limit"))
    );
    // The length is counted percent-encoded: 342 "é" make 2052 characters.
    let encoded = json!({"data": {"k": "é".repeat(342)}});
    assert_eq!(
        v1_create(&app, &key, TID, encoded).await,
        (400, json!("Data sent exceeds limit"))
    );
    assert_eq!(
        v1_update(&app, &key, TID, "fits", over).await,
        (400, json!("Data sent exceeds limit"))
    );
    assert_eq!(v1_read(&app, &key, TID, "fits").await, (200, fits));
}

#[tokio::test]
async fn a_bad_ttl_is_400_with_the_accepted_forms() {
    let (app, key) = feedme().await;
    v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": "t"})).await;
    for (ttl, shown) in [
        (json!("0d"), "\"0d\""),
        (json!(0), "0"),
        (json!(-3), "-3"),
        (json!("-3d"), "\"-3d\""),
        (json!("1.5d"), "\"1.5d\""),
        (json!(1.5), "1.5"),
        (json!("14w"), "\"14w\""),
        (json!("fourteen"), "\"fourteen\""),
        (json!(true), "true"),
    ] {
        let expected = (400, json!(ttl_message(shown)));
        assert_eq!(
            v1_create(&app, &key, TID, json!({"data": {}, "ttl": ttl})).await,
            expected,
            "{ttl}"
        );
        assert_eq!(
            v1_update(&app, &key, TID, "t", json!({"data": {}, "ttl": ttl})).await,
            expected,
            "{ttl}"
        );
    }
}

#[tokio::test]
async fn a_bad_shortlink_id_is_400() {
    let (app, key) = feedme().await;
    let long = "x".repeat(51);
    for id in ["a b", "a/b", "a.b", "é", "", long.as_str()] {
        let message = format!(
            "shortlink_id must be 1 to 50 characters of A-Z, a-z, 0-9, _ and -; {id:?} is not"
        );
        assert_eq!(
            v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": id})).await,
            (400, json!(message))
        );
    }
    assert_eq!(
        v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": 7})).await,
        (
            400,
            json!("shortlink_id must be a string of 1 to 50 characters of A-Z, a-z, 0-9, _ and -")
        )
    );
    let fifty = "x".repeat(50);
    assert_eq!(
        v1_create(&app, &key, TID, json!({"data": {}, "shortlink_id": fifty})).await,
        (200, json!(format!("{HOST}/H5hv/{fifty}")))
    );
}

#[tokio::test]
async fn reads_updates_and_deletes_without_an_id_are_400() {
    let (app, key) = feedme().await;
    let expected = (
        400,
        json!("give the short link's id in the query string: ?id={shortlink_id}"),
    );
    for method in ["GET", "PUT", "DELETE"] {
        let got = app
            .json(
                method,
                "/shortlink/v1/H5hv",
                Some(&key),
                Some(json!({"data": {}})),
            )
            .await;
        assert_eq!(got, expected, "{method}");
    }
}

#[tokio::test]
async fn renew_ttl_is_accepted_as_a_boolean_and_refused_otherwise() {
    let (app, key) = feedme().await;
    for (value, id) in [
        (json!(false), "r1"),
        (json!(true), "r2"),
        (json!("false"), "r3"),
    ] {
        let got = v1_create(
            &app,
            &key,
            TID,
            json!({"data": {}, "shortlink_id": id, "renew_ttl": value}),
        )
        .await;
        assert_eq!(got.0, 200, "{value}");
    }
    for bad in [json!("yes"), json!(1), json!([])] {
        let got = v1_create(&app, &key, TID, json!({"data": {}, "renew_ttl": bad})).await;
        assert_eq!(
            got,
            (400, json!("renew_ttl must be true or false")),
            "{bad}"
        );
        let got = v1_update(&app, &key, TID, "r1", json!({"data": {}, "renew_ttl": bad})).await;
        assert_eq!(
            got,
            (400, json!("renew_ttl must be true or false")),
            "{bad}"
        );
    }
}
