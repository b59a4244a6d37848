//! App keys on the SDK routes, the platform of a launch or an open,
//! `POST /sdk/v1/open` and links in launches: direct deep links and the
//! app-open attribution map from short, long and URI-scheme links, links
//! that resolve to nothing, re-engagements; and the AppsFlyer-shaped link
//! resolver `GET /shortlink-sdk/v2/{tid}?id={sid}`.

mod clicks;
mod common;
mod sdk;

use clicks::*;
use common::*;
use sdk::*;
use serde_json::{Value, json};
use waylink_core::clock::MINUTE_MS;

const SHORT: &str = "https://feedme.links.test/H5hv/bananas7";

fn opening(device_id: &str, url: &str) -> Value {
    json!({"device_id": device_id, "platform": "android", "deep_link_url": url})
}

async fn with_bananas() -> Feedme {
    let f = feedme_sdk().await;
    let data = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas", "country": "uk"});
    link(&f.app, &f.key, "bananas7", data).await;
    f
}

/// The template's re-engagement count, from the statistics API.
async fn reengagements(f: &Feedme) -> Value {
    let path = format!("/api/v1/templates/{TID}/stats?group_by=pid,c");
    let (status, body) = f.app.json("GET", &path, Some(&f.key), None).await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<Value> = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["reengagements"] != json!(0))
        .map(|r| json!([r["pid"], r["c"], r["reengagements"]]))
        .collect();
    json!({"rows": rows, "total": body["totals"]["reengagements"]})
}

#[tokio::test]
async fn sdk_routes_refuse_a_missing_or_unknown_key_and_an_account_key_with_a_401_json() {
    let f = feedme_sdk().await;
    let body = json!({"device_id": "d1", "platform": "android"}).to_string();
    let keys = [
        None,
        Some("wl_sdk_0123456789abcdefghijklmnopqrstuv".to_owned()),
        Some(f.key.clone()),
        Some(format!("Bearer {}", f.key)),
        Some("Bearer".to_owned()),
        Some(format!("Basic {}", f.android)),
    ];
    for key in &keys {
        for (method, path, body) in [
            ("POST", "/sdk/v1/launch", Some(body.clone())),
            ("POST", "/sdk/v1/open", Some(body.clone())),
            ("GET", "/shortlink-sdk/v2/H5hv?id=bananas7", None),
        ] {
            let response = f.app.send(method, path, key.as_deref(), body).await;
            assert_eq!(response.status(), 401, "{path} with {key:?}");
            assert_eq!(
                header(&response, "content-type").as_deref(),
                Some("application/json")
            );
            let answer: Value = response.json().await.expect("a JSON body");
            assert_eq!(answer, unauthenticated(), "{path} with {key:?}");
        }
    }
    let stored = f.app.state.store.get_install(ANDROID_APP, "d1").await;
    assert_eq!(stored.expect("read"), None);
    // Nor is an SDK key an account key.
    let (status, answer) = f
        .app
        .json("GET", "/api/v1/apps", Some(&f.android), None)
        .await;
    assert_eq!((status, answer), (401, unauthenticated()));
    // The app's key, bare or as a bearer token, opens the SDK routes.
    for (n, key) in [f.android.clone(), format!("Bearer {}", f.android)]
        .iter()
        .enumerate()
    {
        let body = json!({"device_id": format!("d{n}"), "platform": "android"});
        let answer = launched(&f.app, key, body).await;
        assert_eq!(answer["conversion_data"]["af_status"], "Organic");
    }
}

#[tokio::test]
async fn a_launch_or_an_open_must_name_the_platform_of_the_app_its_key_opens() {
    let f = feedme_sdk().await;
    let mismatch = |app: &str, id: &str, said: &str| {
        format!("this key belongs to the {app} app {id}; the launch says {said}")
    };
    let unknown = |said: &str| format!("platform must be \"android\" or \"ios\", not \"{said}\"");
    let cases = [
        (&f.android, "ios", mismatch("android", ANDROID_APP, "ios")),
        (&f.ios, "android", mismatch("ios", IOS_APP, "android")),
        (&f.android, "Android", unknown("Android")),
        (&f.ios, "desktop", unknown("desktop")),
    ];
    for (key, platform, message) in cases {
        let body = json!({"device_id": "d1", "platform": platform, "deep_link_url": SHORT});
        let (status, answer) = launch(&f.app, key, body.clone()).await;
        assert_eq!((status, answer), (400, invalid("platform", &message)));
        let (status, answer) = open(&f.app, key, body).await;
        assert_eq!((status, answer), (400, invalid("platform", &message)));
    }
    let stored = f.app.state.store.get_install(ANDROID_APP, "d1").await;
    assert_eq!(stored.expect("read"), None);
}

#[tokio::test]
async fn an_open_through_a_short_link_answers_its_data_and_a_direct_deep_link() {
    let f = with_bananas().await;
    let url = format!("{SHORT}?af_sub1=push");
    let expected = json!({
        "app_open_attribution": {"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
            "country": "uk", "af_sub1": "push", "link": url, "scheme": "https",
            "host": "feedme.links.test", "path": "/H5hv/bananas7", "shortlink": "bananas7",
            "media_source": "sms", "campaign": "bananas"},
        "deep_link": {"status": "FOUND", "deep_link": {"pid": "sms", "c": "bananas",
            "deep_link_value": "bananas", "country": "uk", "af_sub1": "push", "link": url,
            "scheme": "https", "host": "feedme.links.test", "path": "/H5hv/bananas7",
            "media_source": "sms", "campaign": "bananas", "is_deferred": false}},
    });
    assert_eq!(
        opened(&f.app, &f.android, opening("d1", &url)).await,
        expected
    );
    // The iOS app of the template opens it too, through the brand domain.
    let brand = "https://go.feedme.example/H5hv/bananas7";
    let body = json!({"device_id": "i1", "platform": "ios", "deep_link_url": brand});
    let answer = opened(&f.app, &f.ios, body).await;
    assert_eq!(answer["app_open_attribution"]["host"], "go.feedme.example");
    assert_eq!(answer["app_open_attribution"]["country"], "uk");
    assert_eq!(answer["deep_link"]["deep_link"]["link"], brand);
    // An open is not a launch: no install is made.
    let stored = f.app.state.store.get_install(ANDROID_APP, "d1").await;
    assert_eq!(stored.expect("read"), None);
}

#[tokio::test]
async fn an_install_launch_through_a_link_answers_conversion_data_and_the_direct_deep_link() {
    let f = with_bananas().await;
    let answer = launched(&f.app, &f.android, opening("d1", SHORT)).await;
    assert_eq!(
        answer["conversion_data"],
        organic("2026-11-22 12:00:00.000", true)
    );
    assert_eq!(answer["deep_link"]["status"], "FOUND");
    assert_eq!(answer["deep_link"]["deep_link"]["is_deferred"], false);
    assert_eq!(
        answer["deep_link"]["deep_link"]["deep_link_value"],
        "bananas"
    );
    assert_eq!(answer["app_open_attribution"]["shortlink"], "bananas7");
    assert_eq!(answer["app_open_attribution"]["link"], SHORT);
}

#[tokio::test]
async fn long_links_and_uri_scheme_links_are_read_from_the_url() {
    let f = feedme_sdk().await;
    let long = "https://feedme.links.test/H5hv?pid=email&c=apples&deep_link_value=apples&fruit_name=green%20apple";
    let answer = opened(&f.app, &f.android, opening("d1", long)).await;
    assert_eq!(
        answer["app_open_attribution"],
        json!({"pid": "email", "c": "apples", "deep_link_value": "apples",
            "fruit_name": "green apple", "link": long, "scheme": "https",
            "host": "feedme.links.test", "path": "/H5hv", "media_source": "email",
            "campaign": "apples"})
    );
    assert_eq!(answer["deep_link"]["status"], "FOUND");
    assert_eq!(
        answer["deep_link"]["deep_link"]["fruit_name"],
        "green apple"
    );
    assert_eq!(answer["deep_link"]["deep_link"].get("shortlink"), None);

    let scheme = "feedme://mainactivity?deep_link_value=apples&deep_link_sub1=7";
    let answer = opened(&f.app, &f.android, opening("d1", scheme)).await;
    let fields = json!({"deep_link_value": "apples", "deep_link_sub1": "7", "link": scheme,
        "scheme": "feedme", "host": "mainactivity", "path": ""});
    assert_eq!(answer["app_open_attribution"], fields);
    let mut direct = fields;
    direct["is_deferred"] = json!(false);
    assert_eq!(
        answer["deep_link"],
        json!({"status": "FOUND", "deep_link": direct})
    );
    for key in ["media_source", "campaign", "shortlink"] {
        assert_eq!(answer["app_open_attribution"].get(key), None, "{key}");
    }
}

#[tokio::test]
async fn an_unknown_expired_or_unreadable_link_opens_nothing() {
    let f = with_bananas().await;
    link_in(&f.app, &f.key, TID, "flash1", json!({"pid": "sms"}), "10m").await;
    let live = opened(
        &f.app,
        &f.android,
        opening("d1", "https://feedme.links.test/H5hv/flash1"),
    )
    .await;
    assert_eq!(live["deep_link"]["status"], "FOUND");
    f.app.advance(11 * MINUTE_MS);
    let nothing = json!({"deep_link": not_found(), "app_open_attribution": null});
    for url in [
        "https://feedme.links.test/H5hv/flash1",
        "https://feedme.links.test/H5hv/nothing1",
        "https://feedme.links.test/H5hv/not%20an%20id",
        "https://feedme.links.test/Nope1/bananas7",
        "https://example.com/",
        "https://feedme.links.test/H5hv/bananas7/extra",
        "not a url",
    ] {
        assert_eq!(
            opened(&f.app, &f.android, opening("d1", url)).await,
            nothing,
            "{url}"
        );
        let answer = launched(&f.app, &f.android, opening("d2", url)).await;
        assert_eq!(answer["deep_link"], not_found(), "{url}");
        assert_eq!(answer["app_open_attribution"], Value::Null, "{url}");
        assert_eq!(answer["conversion_data"]["af_status"], "Organic");
    }
}

#[tokio::test]
async fn a_link_of_a_template_that_does_not_open_the_app_opens_nothing() {
    let f = with_bananas().await;
    let (other_key, other_sdk) = other_account(&f.app).await;
    link_in(
        &f.app,
        &other_key,
        "Oth1",
        "theirs1",
        json!({"pid": "x"}),
        "1d",
    )
    .await;
    let nothing = json!({"deep_link": not_found(), "app_open_attribution": null});
    for url in [
        "https://other.links.test/Oth1/theirs1",
        "https://other.links.test/Oth1?pid=x",
    ] {
        assert_eq!(
            opened(&f.app, &f.android, opening("d1", url)).await,
            nothing,
            "{url}"
        );
    }
    // And the other way round: Feed Me's link in the other app.
    let answer = opened(&f.app, &other_sdk, opening("d1", SHORT)).await;
    assert_eq!(answer, nothing);
    let answer = opened(
        &f.app,
        &other_sdk,
        opening("d1", "https://other.links.test/Oth1/theirs1"),
    )
    .await;
    assert_eq!(answer["app_open_attribution"]["shortlink"], "theirs1");
}

#[tokio::test]
async fn an_open_needs_a_deep_link_url() {
    let f = feedme_sdk().await;
    for body in [
        json!({"device_id": "d1", "platform": "android"}),
        json!({"device_id": "d1", "platform": "android", "deep_link_url": ""}),
    ] {
        let (status, answer) = open(&f.app, &f.android, body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["parameter"], "deep_link_url");
    }
    let long = json!({"device_id": "d1", "platform": "android", "deep_link_url": format!("{SHORT}?x={}", "y".repeat(4100))});
    let (status, answer) = open(&f.app, &f.android, long).await;
    assert_eq!(
        (status, &answer["parameter"]),
        (400, &json!("deep_link_url"))
    );
}

#[tokio::test]
async fn an_open_through_a_retargeting_link_on_an_installed_device_is_a_reengagement() {
    let f = with_bananas().await;
    let data = json!({"pid": "email", "c": "winback", "is_retargeting": "true", "deep_link_value": "offer"});
    link(&f.app, &f.key, "winback1", data).await;
    let winback = "https://feedme.links.test/H5hv/winback1";
    launched(
        &f.app,
        &f.android,
        json!({"device_id": "installed", "platform": "android"}),
    )
    .await;
    assert_eq!(reengagements(&f).await, json!({"rows": [], "total": 0}));
    // A device that never launched, and a link that does not retarget.
    opened(&f.app, &f.android, opening("never-launched", winback)).await;
    opened(&f.app, &f.android, opening("installed", SHORT)).await;
    // An install launch through the link is an install, not a re-engagement.
    launched(&f.app, &f.android, opening("new", winback)).await;
    assert_eq!(reengagements(&f).await, json!({"rows": [], "total": 0}));

    let answer = opened(&f.app, &f.android, opening("installed", winback)).await;
    assert_eq!(answer["app_open_attribution"]["is_retargeting"], "true");
    assert_eq!(answer["deep_link"]["deep_link"]["deep_link_value"], "offer");
    assert_eq!(
        reengagements(&f).await,
        json!({"rows": [["email", "winback", 1]], "total": 1})
    );
    // A later launch of an installed device through it counts as well.
    launched(&f.app, &f.android, opening("installed", winback)).await;
    launched(&f.app, &f.android, opening("new", winback)).await;
    assert_eq!(
        reengagements(&f).await,
        json!({"rows": [["email", "winback", 3]], "total": 3})
    );
}

/// `GET /shortlink-sdk/v2/{tid}?id={sid}`.
async fn resolve(app: &TestApp, key: &str, tid: &str, query: &str) -> (u16, Value) {
    app.json(
        "GET",
        &format!("/shortlink-sdk/v2/{tid}{query}"),
        Some(key),
        None,
    )
    .await
}

#[tokio::test]
async fn the_resolver_answers_a_live_links_data_as_a_flat_object_of_strings() {
    let f = with_bananas().await;
    let expected =
        json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas", "country": "uk"});
    assert_eq!(
        resolve(&f.app, &f.android, TID, "?id=bananas7").await,
        (200, expected.clone())
    );
    assert_eq!(
        resolve(&f.app, &f.ios, TID, "?id=bananas7").await,
        (200, expected)
    );
    let numbers = json!({"data": {"count": 3, "flag": true}, "shortlink_id": "typed1"});
    assert_eq!(v2_create(&f.app, &f.key, TID, numbers).await.0, 200);
    let (status, body) = resolve(&f.app, &f.android, TID, "?id=typed1").await;
    assert_eq!((status, body), (200, json!({"count": "3", "flag": "true"})));
}

#[tokio::test]
async fn the_resolver_answers_404_for_unknown_expired_or_foreign_links_and_400_without_an_id() {
    let f = with_bananas().await;
    let (other_key, other_sdk) = other_account(&f.app).await;
    link_in(
        &f.app,
        &other_key,
        "Oth1",
        "theirs1",
        json!({"pid": "x"}),
        "1d",
    )
    .await;
    link_in(&f.app, &f.key, TID, "flash1", json!({"pid": "sms"}), "10m").await;
    assert_eq!(resolve(&f.app, &f.android, TID, "?id=flash1").await.0, 200);
    f.app.advance(11 * MINUTE_MS);
    let cases = [
        (&f.android, TID, "?id=flash1"),
        (&f.android, TID, "?id=nothing1"),
        (&f.android, TID, "?id="),
        (&f.android, TID, "?id=a%2Fb"),
        (&f.android, "Nope1", "?id=bananas7"),
        (&f.android, "Oth1", "?id=theirs1"),
        (&other_sdk, TID, "?id=bananas7"),
    ];
    for (key, tid, query) in cases {
        assert_eq!(
            resolve(&f.app, key, tid, query).await,
            (404, link_not_found()),
            "{tid}{query}"
        );
    }
    assert_eq!(
        resolve(&f.app, &other_sdk, "Oth1", "?id=theirs1").await.0,
        200
    );
    for query in ["", "?sid=bananas7", "?ID=bananas7"] {
        let (status, body) = resolve(&f.app, &f.android, TID, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["parameter"], "id");
    }
}
