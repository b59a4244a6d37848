//! Statistics over HTTP: `GET /api/v1/templates/{tid}/stats` and
//! `GET /api/v1/templates/{tid}/links/{sid}/stats`, grouped by `pid`, `c`,
//! platform and day, over a time range `[from, to)`.

mod clicks;
mod common;
mod sdk;

use clicks::*;
use common::*;
use sdk::*;
use serde_json::{Value, json};
use waylink_core::clock::{DAY_MS, MINUTE_MS};

const GAID: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";

/// Two days of Feed Me traffic. On 2026-11-22: three Android clicks on
/// sms/bananas (one of them on a gone link), an iPhone click on
/// email/apples and a desktop click on a long sms/bananas link, then
/// installs by referrer, advertising id and probabilistic matching and two
/// organic ones. On 2026-11-23: an Android click on email/apples and a
/// re-engagement through the email/winback link.
async fn two_days() -> Feedme {
    let f = feedme_sdk().await;
    let app = &f.app;
    let bananas = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas"});
    link(app, &f.key, "bananas7", bananas).await;
    link(
        app,
        &f.key,
        "apples1",
        json!({"pid": "email", "c": "apples"}),
    )
    .await;
    let winback = json!({"pid": "email", "c": "winback", "is_retargeting": "true"});
    link(app, &f.key, "winback1", winback).await;
    let referrer = referrer_of(
        click(app, FEEDME, "/H5hv/bananas7", ANDROID)
            .await
            .location(),
    );
    click(app, FEEDME, &format!("/H5hv/bananas7?gaid={GAID}"), ANDROID).await;
    click(app, FEEDME, "/H5hv/apples1", IOS).await;
    click(app, FEEDME, "/H5hv/gone1?pid=sms&c=bananas", ANDROID).await;
    click(app, FEEDME, "/H5hv?pid=sms&c=bananas", DESKTOP).await;
    let stored = app.stored_clicks(TID, 5).await;
    let expired: Vec<bool> = stored.iter().map(|c| c.expired).collect();
    assert_eq!(expired, [false, false, false, true, false]);
    app.advance(10 * MINUTE_MS);
    let launches = [
        (
            &f.android,
            json!({"device_id": "d1", "platform": "android", "install_referrer": referrer}),
            "referrer",
        ),
        (
            &f.android,
            json!({"device_id": "d2", "platform": "android", "advertising_id": GAID}),
            "id_matching",
        ),
        (
            &f.ios,
            json!({"device_id": "i1", "platform": "ios", "os_version": "17.1.2", "device_model": "iPhone14,5"}),
            "probabilistic",
        ),
        (
            &f.android,
            json!({"device_id": "d3", "platform": "android"}),
            "organic",
        ),
        (
            &f.ios,
            json!({"device_id": "i2", "platform": "ios", "os_version": "16.0"}),
            "organic",
        ),
    ];
    for (key, body, expected) in launches {
        assert_eq!(match_type(&launched(app, key, body).await), expected);
    }
    app.advance(DAY_MS);
    click(app, FEEDME, "/H5hv/apples1", ANDROID).await;
    nth_click(app, 5).await;
    let url = "https://feedme.links.test/H5hv/winback1";
    let body = json!({"device_id": "d1", "platform": "android", "deep_link_url": url});
    assert_eq!(open(app, &f.android, body).await.0, 200);
    f
}

/// Counts as the API writes them.
fn counts(
    clicks: u64,
    expired: u64,
    installs: [u64; 3],
    organic: u64,
    reengagements: u64,
) -> Value {
    let total = installs.iter().sum::<u64>();
    let rate = (clicks > 0).then(|| total as f64 / clicks as f64);
    json!({
        "clicks": clicks, "expired_clicks": expired,
        "installs": {"referrer": installs[0], "id_matching": installs[1],
            "probabilistic": installs[2], "total": total},
        "organic_installs": organic, "reengagements": reengagements,
        "click_to_install_rate": rate,
    })
}

/// `counts` with the group's dimensions laid over.
fn row(group: Value, counts: Value) -> Value {
    let mut row = counts;
    for (k, v) in group.as_object().expect("an object") {
        row[k] = v.clone();
    }
    row
}

async fn get(f: &Feedme, path: &str) -> (u16, Value) {
    f.app.json("GET", path, Some(&f.key), None).await
}

async fn ok(f: &Feedme, path: &str) -> Value {
    let (status, body) = get(f, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn template_stats_are_grouped_by_pid_campaign_platform_and_day_with_totals() {
    let f = two_days().await;
    let path =
        "/api/v1/templates/H5hv/stats?from=2026-11-22&to=2026-11-23&group_by=pid,c,platform,day";
    let g = |pid: Value, c: Value, platform: &str, day: &str| json!({"pid": pid, "c": c, "platform": platform, "day": day});
    let (n, sms, email) = (Value::Null, json!("sms"), json!("email"));
    let expected = json!({
        "template_id": "H5hv", "shortlink_id": null,
        "from": "2026-11-22T00:00:00Z", "to": "2026-11-24T00:00:00Z",
        "group_by": ["pid", "c", "platform", "day"],
        "rows": [
            row(g(n.clone(), n.clone(), "android", "2026-11-22"), counts(0, 0, [0, 0, 0], 1, 0)),
            row(g(n.clone(), n.clone(), "ios", "2026-11-22"), counts(0, 0, [0, 0, 0], 1, 0)),
            row(g(email.clone(), json!("apples"), "android", "2026-11-23"), counts(1, 0, [0, 0, 0], 0, 0)),
            row(g(email.clone(), json!("apples"), "ios", "2026-11-22"), counts(1, 0, [0, 0, 1], 0, 0)),
            row(g(email, json!("winback"), "android", "2026-11-23"), counts(0, 0, [0, 0, 0], 0, 1)),
            row(g(sms.clone(), json!("bananas"), "android", "2026-11-22"), counts(3, 1, [1, 1, 0], 0, 0)),
            row(g(sms, json!("bananas"), "desktop", "2026-11-22"), counts(1, 0, [0, 0, 0], 0, 0)),
        ],
        "totals": counts(6, 1, [1, 1, 1], 2, 1),
    });
    assert_eq!(ok(&f, path).await, expected);
    // The JSON types of a rate: a number, or null without clicks.
    let body = ok(&f, path).await;
    assert_eq!(body["totals"]["click_to_install_rate"], json!(0.5));
    assert_eq!(body["rows"][5]["click_to_install_rate"], json!(2.0 / 3.0));
    assert_eq!(body["rows"][0]["click_to_install_rate"], Value::Null);
    // The order of group_by does not matter, repeats neither.
    let shuffled = path.replace("pid,c,platform,day", "day,platform,c,pid,day");
    assert_eq!(ok(&f, &shuffled).await, expected);
}

#[tokio::test]
async fn stats_are_grouped_by_day_over_the_last_30_days_by_default() {
    let f = two_days().await;
    let expected = json!({
        "template_id": "H5hv", "shortlink_id": null,
        "from": "2026-10-25T00:00:00Z", "to": "2026-11-24T00:00:00Z",
        "group_by": ["day"],
        "rows": [
            row(json!({"day": "2026-11-22"}), counts(5, 1, [1, 1, 1], 2, 0)),
            row(json!({"day": "2026-11-23"}), counts(1, 0, [0, 0, 0], 0, 1)),
        ],
        "totals": counts(6, 1, [1, 1, 1], 2, 1),
    });
    assert_eq!(ok(&f, "/api/v1/templates/H5hv/stats").await, expected);
    let by_platform = ok(&f, "/api/v1/templates/H5hv/stats?group_by=platform").await;
    assert_eq!(
        by_platform["rows"],
        json!([
            row(
                json!({"platform": "android"}),
                counts(4, 1, [1, 1, 0], 1, 1)
            ),
            row(
                json!({"platform": "desktop"}),
                counts(1, 0, [0, 0, 0], 0, 0)
            ),
            row(json!({"platform": "ios"}), counts(1, 0, [0, 0, 1], 1, 0)),
        ])
    );
    // An empty group_by is one row of everything.
    let all = ok(&f, "/api/v1/templates/H5hv/stats?group_by=").await;
    assert_eq!(all["group_by"], json!([]));
    assert_eq!(all["rows"], json!([counts(6, 1, [1, 1, 1], 2, 1)]));
}

#[tokio::test]
async fn link_stats_count_only_that_links_clicks_installs_and_reengagements() {
    let f = two_days().await;
    let bananas = ok(
        &f,
        "/api/v1/templates/H5hv/links/bananas7/stats?group_by=pid,c",
    )
    .await;
    assert_eq!(bananas["shortlink_id"], "bananas7");
    assert_eq!(
        bananas["rows"],
        json!([row(
            json!({"pid": "sms", "c": "bananas"}),
            counts(2, 0, [1, 1, 0], 0, 0)
        )])
    );
    assert_eq!(bananas["totals"], counts(2, 0, [1, 1, 0], 0, 0));
    let same = ok(
        &f,
        "/api/v1/templates/H5hv/stats?group_by=pid,c&shortlink_id=bananas7",
    )
    .await;
    assert_eq!(same, bananas);
    let cases = [
        ("apples1", counts(2, 0, [0, 0, 1], 0, 0)),
        ("winback1", counts(0, 0, [0, 0, 0], 0, 1)),
        ("gone1", counts(1, 1, [0, 0, 0], 0, 0)),
        ("never1", counts(0, 0, [0, 0, 0], 0, 0)),
    ];
    for (sid, totals) in cases {
        let body = ok(&f, &format!("/api/v1/templates/H5hv/links/{sid}/stats")).await;
        assert_eq!(body["totals"], totals, "{sid}");
    }
    let none = ok(&f, "/api/v1/templates/H5hv/links/never1/stats").await;
    assert_eq!(none["rows"], json!([]));
}

#[tokio::test]
async fn the_range_includes_from_and_excludes_to_and_a_bare_to_date_is_a_whole_day() {
    let f = two_days().await;
    let totals = |from: &str, to: &str| {
        let f = &f;
        let path = format!("/api/v1/templates/H5hv/stats?from={from}&to={to}");
        async move { ok(f, &path).await["totals"].clone() }
    };
    // The five clicks of the first day were made at 12:00:00.001 to .005.
    let path =
        "/api/v1/templates/H5hv/stats?from=2026-11-22T12:00:00.002Z&to=2026-11-22T12:00:00.004Z";
    let body = ok(&f, path).await;
    assert_eq!(body["totals"], counts(2, 0, [0, 0, 0], 0, 0));
    // The range echoed is the range counted, to the millisecond.
    assert_eq!(
        (&body["from"], &body["to"]),
        (
            &json!("2026-11-22T12:00:00.002Z"),
            &json!("2026-11-22T12:00:00.004Z")
        )
    );
    let installs = totals("2026-11-22T12:10:00.005Z", "2026-11-22T12:10:00.006Z").await;
    assert_eq!(installs, counts(0, 0, [1, 1, 1], 2, 0));
    assert_eq!(
        totals("2026-11-23", "2026-11-23").await,
        counts(1, 0, [0, 0, 0], 0, 1)
    );
    assert_eq!(
        totals("2026-11-21", "2026-11-21").await,
        counts(0, 0, [0, 0, 0], 0, 0)
    );
    let offset = totals("2026-11-23T00:00:00%2B01:00", "2026-11-23T00:00:00Z").await;
    assert_eq!(
        offset,
        counts(0, 0, [0, 0, 0], 0, 0),
        "23:00 to midnight UTC"
    );
    // 400 days at most.
    let longest = "/api/v1/templates/H5hv/stats?from=2025-10-18T00:00:00Z&to=2026-11-22T00:00:00Z";
    assert_eq!(get(&f, longest).await.0, 200);
    let longer = longest.replace("2025-10-18T00:00:00Z", "2025-10-17T23:59:59.999Z");
    let (status, body) = get(&f, &longer).await;
    assert_eq!(
        (status, &body["parameter"]),
        (400, &json!("from")),
        "{body}"
    );
}

#[tokio::test]
async fn bad_statistics_parameters_are_refused_with_a_400_naming_them() {
    let f = two_days().await;
    let cases = [
        ("?group_by=pid,country", "group_by"),
        ("?group_by=PID", "group_by"),
        ("?from=yesterday", "from"),
        ("?from=2026-11-22&to=2026-13-01", "to"),
        ("?to=1700000000", "to"),
        ("?from=2026-11-23&to=2026-11-22", "from"),
        ("?from=2026-11-22T10:00:00Z&to=2026-11-22T10:00:00Z", "from"),
        ("?from=2020-01-01&to=2026-11-22", "from"),
        ("?fruit=kiwi", "fruit"),
        ("?from=2026-11-22&limit=10", "limit"),
    ];
    for (query, parameter) in cases {
        for base in [
            "/api/v1/templates/H5hv/stats",
            "/api/v1/templates/H5hv/links/bananas7/stats",
        ] {
            let (status, body) = get(&f, &format!("{base}{query}")).await;
            assert_eq!(status, 400, "{base}{query}: {body}");
            assert_eq!(body["error_type"], "invalid_parameter");
            assert_eq!(body["parameter"], parameter, "{base}{query}: {body}");
        }
    }
    let path = "/api/v1/templates/H5hv/links/bananas7/stats?shortlink_id=apples1";
    let (status, body) = get(&f, path).await;
    assert_eq!((status, &body["parameter"]), (400, &json!("shortlink_id")));
}

#[tokio::test]
async fn another_accounts_template_has_no_stats_just_like_a_missing_one() {
    let f = two_days().await;
    let (other_key, _) = other_account(&f.app).await;
    for path in [
        "/api/v1/templates/Oth1/stats",
        "/api/v1/templates/Nope1/stats",
        "/api/v1/templates/Oth1/links/theirs1/stats",
        "/api/v1/templates/Nope1/links/theirs1/stats",
    ] {
        assert_eq!(get(&f, path).await, (404, template_not_found()), "{path}");
    }
    let (status, _) = f
        .app
        .json(
            "GET",
            "/api/v1/templates/H5hv/stats",
            Some(&other_key),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = f
        .app
        .json(
            "GET",
            "/api/v1/templates/Oth1/stats",
            Some(&other_key),
            None,
        )
        .await;
    assert_eq!((status, &body["rows"]), (200, &json!([])), "{body}");
    let (status, body) = f
        .app
        .json("GET", "/api/v1/templates/H5hv/stats", None, None)
        .await;
    assert_eq!((status, body), (401, unauthenticated()));
    let (status, body) = f
        .app
        .json(
            "GET",
            "/api/v1/templates/H5hv/stats",
            Some(&f.android),
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (401, unauthenticated()),
        "an SDK key reads no stats"
    );
}
