//! `POST /sdk/v1/launch`: the request body, and the attribution of
//! installs over HTTP: the Feed Me story (install referrer), advertising
//! ids, probabilistic matching, the UDL window, expired links, and two
//! first launches of one device racing.

mod clicks;
mod common;
mod sdk;

use clicks::*;
use common::*;
use sdk::*;
use serde_json::{Value, json};
use waylink_core::clock::{HOUR_MS, MINUTE_MS};

const GAID: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";
const IDFA: &str = "6D92078A-8246-4BA4-AE5B-76104861E7DC";

/// The Feed Me SMS link of the spec's story.
async fn bananas(f: &Feedme) {
    let data = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "deep_link_sub1": "user42", "country": "uk"});
    link(&f.app, &f.key, "bananas7", data).await;
}

/// Clicks `/H5hv/bananas7` as a Pixel 8 and answers the install referrer
/// the Play Store hands the app.
async fn clicked_referrer(f: &Feedme, n: usize) -> String {
    let reply = click(&f.app, FEEDME, "/H5hv/bananas7", ANDROID).await;
    let referrer = referrer_of(reply.location());
    let stored = nth_click(&f.app, n).await;
    assert!(
        referrer.starts_with(&format!("waylink_click_id={}&", stored.click_id)),
        "{referrer}"
    );
    referrer
}

#[tokio::test]
async fn a_launch_with_a_bad_device_id_or_an_unknown_field_is_refused_with_a_400() {
    let f = feedme_sdk().await;
    let device_id_message = "device_id must be 1 to 128 letters, digits, '-', '_', '.' or ':'";
    for bad in [
        "".to_owned(),
        "has space".into(),
        "a/b".into(),
        "é".into(),
        "x".repeat(129),
    ] {
        let body = json!({"device_id": bad, "platform": "android"});
        let (status, answer) = launch(&f.app, &f.android, body).await;
        assert_eq!(
            (status, answer),
            (400, invalid("device_id", device_id_message)),
            "{bad:?}"
        );
    }
    let refused = [
        (
            json!({"device_id": "d1", "platform": "android", "imei": "35"}),
            "body",
        ),
        (json!({"device_id": 12, "platform": "android"}), "body"),
        (json!({"platform": "android"}), "body"),
        (json!({"device_id": "d1"}), "body"),
        (json!(["d1", "android"]), "body"),
        (
            json!({"device_id": "d1", "platform": "android", "os_version": "1".repeat(33)}),
            "os_version",
        ),
    ];
    for (body, parameter) in refused {
        let (status, answer) = launch(&f.app, &f.android, body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error_type"], "invalid_parameter", "{body}");
        assert_eq!(answer["parameter"], parameter, "{body} → {answer}");
    }
    let imei = json!({"device_id": "d1", "platform": "android", "imei": "35"});
    let (_, answer) = launch(&f.app, &f.android, imei).await;
    let message = answer["message"].as_str().expect("a message");
    assert!(message.contains("unknown field `imei`"), "{message}");
    // 128 characters of every allowed kind are a device id.
    let longest = format!("{}-_.:", "aZ9".repeat(41));
    assert_eq!(longest.len(), 127);
    for id in [
        longest.clone() + "x",
        "6f1c0a52-4c1e-4b2a-9a55-1b6f0d1e2f3a".into(),
    ] {
        let answer = launched(
            &f.app,
            &f.android,
            json!({"device_id": id, "platform": "android"}),
        )
        .await;
        assert_eq!(answer["conversion_data"]["is_first_launch"], true);
    }
}

#[tokio::test]
async fn the_feed_me_story_an_sms_link_clicked_on_android_installs_with_its_deferred_deep_link() {
    let f = feedme_sdk().await;
    bananas(&f).await;
    let referrer = clicked_referrer(&f, 0).await;
    f.app.advance(5 * MINUTE_MS);
    let device = json!({"device_id": "6f1c0a52-4c1e", "platform": "android", "os_version": "14",
        "device_model": "Pixel 8", "user_agent": ANDROID, "install_referrer": referrer});
    let mut conversion = json!({
        "af_status": "Non-organic", "is_first_launch": true,
        "install_time": "2026-11-22 12:05:00.001", "click_time": "2026-11-22 12:00:00.001",
        "match_type": "referrer", "media_source": "sms", "campaign": "bananas",
        "is_retargeting": false, "retargeting_conversion_type": "none",
        "af_click_lookback": "7d", "shortlink": "bananas7", "http_referrer": null,
        "af_adset": null, "af_ad": null, "af_channel": null, "af_siteid": null,
        "af_sub1": null, "af_sub2": null, "af_sub3": null, "af_sub4": null, "af_sub5": null,
        "af_cost_currency": "USD", "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
        "iscache": false,
        "deep_link_value": "bananas", "deep_link_sub1": "user42", "country": "uk",
    });
    let deferred = json!({"status": "FOUND", "deep_link": {
        "deep_link_value": "bananas", "deep_link_sub1": "user42", "is_deferred": true,
        "match_type": "referrer", "click_http_referrer": null,
        "timestamp": "2026-11-22 12:00:00.001"}});
    let answer = launched(&f.app, &f.android, device.clone()).await;
    let expected =
        json!({"conversion_data": conversion, "deep_link": deferred, "app_open_attribution": null});
    assert_eq!(answer, expected);

    // The next start of the app: the same attribution, not a first launch,
    // and no deferred deep link again.
    f.app.advance(HOUR_MS);
    conversion["is_first_launch"] = json!(false);
    let expected = json!({"conversion_data": conversion, "deep_link": not_found(), "app_open_attribution": null});
    assert_eq!(launched(&f.app, &f.android, device).await, expected);
    let bare = json!({"device_id": "6f1c0a52-4c1e", "platform": "android"});
    assert_eq!(launched(&f.app, &f.android, bare).await, expected);
}

#[tokio::test]
async fn an_iphone_click_carrying_an_idfa_is_matched_by_advertising_id() {
    let f = feedme_sdk().await;
    let path = format!(
        "/H5hv?pid=email&c=apples&deep_link_value=apples&af_adset=spring&af_cost_value=1.25&af_click_lookback=2d&is_retargeting=true&idfa={IDFA}"
    );
    click(&f.app, FEEDME, &path, IOS).await;
    assert_eq!(
        nth_click(&f.app, 0).await.advertising_id.as_deref(),
        Some(IDFA)
    );
    f.app.advance(10 * MINUTE_MS);
    // Another advertising id, nothing else to match on: organic.
    let other = json!({"device_id": "other", "platform": "ios", "advertising_id": GAID});
    let answer = launched(&f.app, &f.ios, other).await;
    assert_eq!(
        answer["conversion_data"],
        organic("2026-11-22 12:10:00.001", true)
    );
    assert_eq!(answer["deep_link"], not_found());
    // The Android app with the same id: the click was an iPhone's.
    let android = json!({"device_id": "pixel", "platform": "android", "advertising_id": IDFA});
    assert_eq!(
        match_type(&launched(&f.app, &f.android, android).await),
        "organic"
    );
    let iphone = json!({"device_id": "iphone", "platform": "ios", "advertising_id": IDFA});
    let answer = launched(&f.app, &f.ios, iphone).await;
    let data = &answer["conversion_data"];
    assert_eq!(data["match_type"], "id_matching");
    assert_eq!(data["media_source"], "email");
    assert_eq!(data["campaign"], "apples");
    assert_eq!(data["idfa"], IDFA);
    assert_eq!(data["click_time"], "2026-11-22 12:00:00.001");
    assert_eq!(data["af_adset"], "spring");
    assert_eq!(data["af_ad"], Value::Null);
    assert_eq!(data["af_click_lookback"], "2d");
    assert_eq!(data["is_retargeting"], true);
    assert_eq!(data["af_cost_currency"], "USD");
    assert_eq!(data["af_cost_value"], json!(1.25));
    assert_eq!(data["orig_cost"], json!(1.25));
    assert_eq!(data["cost_cents_USD"], json!(125));
    assert_eq!(
        data.get("shortlink"),
        None,
        "a long link has no short-link id"
    );
    assert_eq!(data.get("pid"), None);
    assert_eq!(
        answer["deep_link"],
        json!({"status": "FOUND", "deep_link": {"deep_link_value": "apples", "is_deferred": true,
            "match_type": "id_matching", "click_http_referrer": null,
            "timestamp": "2026-11-22 12:00:00.001"}})
    );
}

#[tokio::test]
async fn a_zeroed_advertising_id_of_a_device_that_limits_ad_tracking_matches_nothing() {
    let f = feedme_sdk().await;
    let zero = "00000000-0000-0000-0000-000000000000";
    let path = format!("/H5hv?pid=email&c=apples&idfa={zero}");
    click(&f.app, FEEDME, &path, IOS).await;
    click(
        &f.app,
        FEEDME,
        &format!("/H5hv?pid=sms&gaid={zero}"),
        ANDROID,
    )
    .await;
    f.app.stored_clicks(TID, 2).await;
    f.app.advance(MINUTE_MS);
    for (key, platform) in [(&f.ios, "ios"), (&f.android, "android")] {
        let body = json!({"device_id": "d1", "platform": platform, "advertising_id": zero});
        let answer = launched(&f.app, key, body).await;
        assert_eq!(match_type(&answer), "organic", "{platform}: {answer}");
    }
}

#[tokio::test]
async fn a_click_from_the_same_ip_os_version_and_model_is_matched_probabilistically_for_24_hours() {
    let f = feedme_sdk().await;
    let extra = [("referer", "https://news.example/pears")];
    f.app.advance(1);
    send(
        &f.app,
        "GET",
        FEEDME,
        "/H5hv?pid=web&c=pears&deep_link_value=pears",
        IOS_17_1,
        &extra,
    )
    .await;
    let clicked = nth_click(&f.app, 0).await;
    assert_eq!(clicked.os_version.as_deref(), Some("17.1"));
    f.app.advance(10 * MINUTE_MS);
    let device = |id: &str, os: &str, model: &str| json!({"device_id": id, "platform": "ios", "os_version": os, "device_model": model});
    for (id, os, model) in [
        ("newer-os", "17.2", "iPhone15,2"),
        ("an-ipad", "17.1", "iPad13,1"),
    ] {
        let answer = launched(&f.app, &f.ios, device(id, os, model)).await;
        assert_eq!(match_type(&answer), "organic", "{id}");
    }
    let answer = launched(&f.app, &f.ios, device("iphone", "17.1", "iPhone15,2")).await;
    assert_eq!(match_type(&answer), "probabilistic");
    assert_eq!(
        answer["conversion_data"]["http_referrer"],
        "https://news.example/pears"
    );
    assert_eq!(answer["conversion_data"]["media_source"], "web");
    assert_eq!(
        answer["deep_link"],
        json!({"status": "FOUND", "deep_link": {"deep_link_value": "pears", "is_deferred": true,
            "match_type": "probabilistic", "click_http_referrer": "https://news.example/pears",
            "timestamp": "2026-11-22 12:00:00.001"}})
    );
    // Without os_version the SDK's user agent tells it.
    let from_agent = json!({"device_id": "by-agent", "platform": "ios", "user_agent": IOS_17_1});
    assert_eq!(
        match_type(&launched(&f.app, &f.ios, from_agent).await),
        "probabilistic"
    );
    // A day later the same phone on a fresh device id is organic.
    f.app.advance(25 * HOUR_MS);
    let answer = launched(&f.app, &f.ios, device("a-day-later", "17.1", "iPhone15,2")).await;
    assert_eq!(
        answer["conversion_data"],
        organic("2026-11-23 13:10:00.001", true)
    );
    assert_eq!(answer["deep_link"], not_found());
}

#[tokio::test]
async fn beyond_the_apps_udl_window_the_deep_link_comes_only_with_the_conversion_data() {
    let f = feedme_sdk().await;
    let path = format!("/api/v1/apps/{ANDROID_APP}");
    let (status, body) = f
        .app
        .json(
            "PATCH",
            &path,
            Some(&f.key),
            Some(json!({"udl_window": "30m"})),
        )
        .await;
    assert_eq!(
        (status, &body["udl_window"]),
        (200, &json!("30m")),
        "{body}"
    );
    bananas(&f).await;
    let within = clicked_referrer(&f, 0).await;
    f.app.advance(29 * MINUTE_MS);
    let answer = launched(
        &f.app,
        &f.android,
        json!({"device_id": "d1", "platform": "android", "install_referrer": within}),
    )
    .await;
    assert_eq!(answer["deep_link"]["status"], "FOUND");
    assert_eq!(answer["deep_link"]["deep_link"]["is_deferred"], true);

    let beyond = clicked_referrer(&f, 1).await;
    f.app.advance(31 * MINUTE_MS);
    let answer = launched(
        &f.app,
        &f.android,
        json!({"device_id": "d2", "platform": "android", "install_referrer": beyond}),
    )
    .await;
    assert_eq!(answer["deep_link"], not_found());
    let data = &answer["conversion_data"];
    assert_eq!(data["af_status"], "Non-organic");
    assert_eq!(data["match_type"], "referrer");
    assert_eq!(data["is_first_launch"], true);
    assert_eq!(data["deep_link_value"], "bananas");
    assert_eq!(data["deep_link_sub1"], "user42");
}

#[tokio::test]
async fn a_deferred_deep_link_needs_a_deep_link_value_or_sub_on_the_link() {
    let f = feedme_sdk().await;
    let cases = [
        (
            "/H5hv?pid=sms&deep_link_sub3=x&fruit_name=kiwi",
            json!({"status": "FOUND", "deep_link": {
            "deep_link_sub3": "x", "is_deferred": true, "match_type": "id_matching",
            "click_http_referrer": null, "timestamp": "2026-11-22 12:00:00.001"}}),
        ),
        (
            "/H5hv?pid=sms&af_dp=feedme%3A%2F%2Fx&fruit_name=kiwi",
            not_found(),
        ),
    ];
    for (n, (path, expected)) in cases.into_iter().enumerate() {
        let ad = format!("ad-{n}");
        click(&f.app, FEEDME, &format!("{path}&gaid={ad}"), ANDROID).await;
        f.app.stored_clicks(TID, n + 1).await;
        let body = json!({"device_id": ad, "platform": "android", "advertising_id": ad});
        let answer = launched(&f.app, &f.android, body).await;
        assert_eq!(answer["deep_link"], expected, "{path}");
        assert_eq!(answer["conversion_data"]["fruit_name"], "kiwi");
    }
}

#[tokio::test]
async fn clicks_on_an_expired_link_never_attribute_an_install() {
    let f = feedme_sdk().await;
    let data = json!({"pid": "sms", "c": "flash", "deep_link_value": "flash"});
    link_in(&f.app, &f.key, TID, "flash1", data.clone(), "10m").await;
    link_in(&f.app, &f.key, TID, "live1", data, "1d").await;
    f.app.advance(11 * MINUTE_MS);
    click(
        &f.app,
        FEEDME,
        &format!("/H5hv/flash1?gaid={GAID}"),
        ANDROID,
    )
    .await;
    let gone = nth_click(&f.app, 0).await;
    assert!(gone.expired);
    assert_eq!(gone.advertising_id.as_deref(), Some(GAID));
    f.app.advance(MINUTE_MS);
    // Every signal points at the click: its id, the advertising id, the IP,
    // the OS version and the model.
    let device = |id: &str| {
        json!({"device_id": id, "platform": "android", "os_version": "14", "device_model": "Pixel 8",
            "advertising_id": GAID, "install_referrer": format!("waylink_click_id={}", gone.click_id)})
    };
    let answer = launched(&f.app, &f.android, device("d1")).await;
    assert_eq!(
        answer["conversion_data"],
        organic("2026-11-22 12:12:00.001", true)
    );
    assert_eq!(answer["deep_link"], not_found());
    // The same click on a live link attributes.
    click(&f.app, FEEDME, &format!("/H5hv/live1?gaid={GAID}"), ANDROID).await;
    nth_click(&f.app, 1).await;
    let answer = launched(&f.app, &f.android, device("d2")).await;
    assert_eq!(match_type(&answer), "id_matching");
    assert_eq!(answer["conversion_data"]["shortlink"], "live1");
}

#[tokio::test]
async fn two_concurrent_first_launches_of_a_device_agree_on_one_install() {
    let f = feedme_sdk().await;
    bananas(&f).await;
    let referrer = clicked_referrer(&f, 0).await;
    click(
        &f.app,
        FEEDME,
        &format!("/H5hv?pid=email&c=race&gaid={GAID}"),
        ANDROID,
    )
    .await;
    nth_click(&f.app, 1).await;
    f.app.advance(MINUTE_MS);
    for n in 0..6 {
        let device_id = format!("racer-{n}");
        // One launch names the SMS click, the other carries the advertising
        // id of the email click: each alone would credit a different click.
        let by_referrer =
            json!({"device_id": device_id, "platform": "android", "install_referrer": referrer});
        let by_id = json!({"device_id": device_id, "platform": "android", "advertising_id": GAID});
        let ((s1, a), (s2, b)) = tokio::join!(
            launch(&f.app, &f.android, by_referrer),
            launch(&f.app, &f.android, by_id)
        );
        assert_eq!((s1, s2), (200, 200), "{a} {b}");
        let first = |x: &Value| x["conversion_data"]["is_first_launch"] == json!(true);
        assert!(
            first(&a) != first(&b),
            "exactly one install launch: {a} {b}"
        );
        let (winner, mut loser) = if first(&a) { (a, b) } else { (b, a) };
        loser["conversion_data"]["is_first_launch"] = json!(true);
        assert_eq!(loser["conversion_data"], winner["conversion_data"]);
        let stored = f.app.state.store.get_install(ANDROID_APP, &device_id).await;
        let stored = stored.expect("read").expect("one install");
        let stored_type = match stored.attribution {
            waylink_core::attribution::Attribution::NonOrganic { match_type, .. } => {
                match_type.as_str()
            }
            waylink_core::attribution::Attribution::Organic => "organic",
        };
        assert_eq!(stored_type, match_type(&winner));
        let later = launched(
            &f.app,
            &f.android,
            json!({"device_id": device_id, "platform": "android"}),
        )
        .await;
        loser["conversion_data"]["is_first_launch"] = json!(false);
        assert_eq!(later["conversion_data"], loser["conversion_data"]);
    }
}
