//! Where a click goes, over HTTP through the real router: every row of the
//! decision table of click-routing.md per platform, `HEAD`, long and short
//! links, hosts, and links that are unknown, expired or deleted.

mod clicks;
mod common;

use base64::Engine;
use clicks::*;
use common::*;
use serde_json::json;
use waylink_core::clock::{DAY_MS, SECOND_MS};
use waylink_core::user_agent::DeviceKind;

const PLAY: &str = "https://play.google.com/store/apps/details?id=com.feedme.app";

#[tokio::test]
async fn af_r_sends_every_platform_there_before_any_other_rule() {
    let (app, key) = feedme().await;
    let data = json!({"af_r": "https://anywhere.example/promo?x=1", "af_force_deeplink": "true",
        "af_dp": "feedme://x", "af_web_dp": "https://feedme.example/web", "af_ios_url": "https://feedme.example/ios"});
    link(&app, &key, "promo", data).await;
    for (n, ua) in [ANDROID, IOS, DESKTOP].into_iter().enumerate() {
        let reply = click(&app, FEEDME, &format!("/{TID}/promo"), ua).await;
        assert_eq!(reply.location(), "https://anywhere.example/promo?x=1");
        assert_click_headers(&reply);
        assert_eq!(
            nth_click(&app, n).await.shortlink_id.as_deref(),
            Some("promo")
        );
    }
}

#[tokio::test]
async fn on_a_long_link_af_r_is_followed_only_to_an_allowed_host() {
    let (app, key) = feedme().await;
    let allowed = json!({"allowed_redirect_domains": ["feedme.example"]});
    patch_template(&app, &key, TID, allowed).await;
    let allowed = format!("/{TID}?af_r={}", enc("https://shop.feedme.example/x"));
    let reply = click(&app, FEEDME, &allowed, DESKTOP).await;
    assert_eq!(reply.location(), "https://shop.feedme.example/x");
    let refused = format!("/{TID}?af_r={}", enc("https://evil.example/x"));
    let reply = click(&app, FEEDME, &refused, ANDROID).await;
    let cid = click_id(&app, 1).await;
    assert_eq!(reply.location(), play(&cid, ""));
}

#[tokio::test]
async fn android_under_af_force_deeplink_gets_an_intent_url_falling_back_to_the_store() {
    let (app, key) = feedme().await;
    let data =
        json!({"af_dp": "feedme://offers/bananas?x=1", "af_force_deeplink": "true", "pid": "sms"});
    link(&app, &key, "force", data).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/force"), ANDROID).await;
    assert_click_headers(&reply);
    let cid = click_id(&app, 0).await;
    assert_eq!(
        reply.location(),
        format!(
            "intent://offers/bananas?x=1#Intent;scheme=feedme;package=com.feedme.app;S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.feedme.app%26referrer%3Dwaylink_click_id%253D{cid}%2526pid%253Dsms;end"
        )
    );
    // Without the flag, the deep link alone changes nothing.
    let data = json!({"af_dp": "feedme://offers", "pid": "sms"});
    link(&app, &key, "noforce", data).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/noforce"), ANDROID).await;
    let cid = click_id(&app, 1).await;
    let expected = play(&cid, "%26pid%3Dsms");
    assert_eq!(reply.location(), expected);
}

#[tokio::test]
async fn android_with_af_android_url_goes_there_with_the_click_id_added() {
    let (app, key) = feedme().await;
    let data = json!({"af_android_url": "https://feedme.example/android?from=sms", "pid": "sms"});
    link(&app, &key, "droid", data).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/droid"), ANDROID).await;
    let cid = click_id(&app, 0).await;
    let expected = format!("https://feedme.example/android?from=sms&waylink_click_id={cid}");
    assert_eq!(reply.location(), expected);
    assert_click_headers(&reply);
}

#[tokio::test]
async fn android_otherwise_goes_to_the_play_store_with_the_stored_click_id_in_the_referrer() {
    let (app, key) = with_link().await;
    let reply = click(&app, FEEDME, &format!("/{TID}/bananas7"), ANDROID).await;
    assert_click_headers(&reply);
    let stored = nth_click(&app, 0).await;
    let expected = play(&stored.click_id, "%26pid%3Dsms%26c%3Dbananas");
    assert_eq!(reply.location(), expected);
    assert_eq!(
        (stored.device, stored.expired),
        (DeviceKind::Android, false)
    );
    link(&app, &key, "bare", json!({"af_sub1": "x"})).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/bare"), ANDROID).await;
    let cid = click_id(&app, 1).await;
    assert_eq!(reply.location(), play(&cid, ""));
}

#[tokio::test]
async fn ios_under_af_force_deeplink_gets_a_page_that_opens_the_app_then_the_store() {
    let (app, key) = feedme().await;
    let store = app_store(&app, TID).await;
    let data = json!({"af_dp": "feedme://offers/bananas", "af_force_deeplink": "true", "af_og_title": "Bananas"});
    link(&app, &key, "open", data).await;
    let with_url = json!({"af_dp": "feedme://o", "af_force_deeplink": "true", "af_ios_url": "https://feedme.example/ios"});
    link(&app, &key, "openurl", with_url).await;
    for (sid, deep_link, fallback) in [
        ("open", "feedme://offers/bananas", store.as_str()),
        ("openurl", "feedme://o", "https://feedme.example/ios"),
    ] {
        let reply = click(&app, FEEDME, &format!("/{TID}/{sid}"), IOS).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_click_headers(&reply);
        assert_safe_page(&reply);
        let buttons = format!(
            "<a id=\"open\" class=\"button\" href=\"{deep_link}\">Open in the app</a><a id=\"fallback\" class=\"button secondary\" href=\"{fallback}\">Get the app</a>"
        );
        assert!(reply.body.contains(&buttons), "{}", reply.body);
        let script = format!("<script nonce=\"{}\">", reply.nonce());
        assert!(reply.body.contains(&script), "{}", reply.body);
        assert!(reply.body.contains("},2000);"), "{}", reply.body);
    }
    let page = click(&app, FEEDME, &format!("/{TID}/open"), IOS).await;
    assert!(
        page.body.contains("<title>Bananas</title>"),
        "{}",
        page.body
    );
    assert_eq!(nth_click(&app, 2).await.device, DeviceKind::Ios);
}

#[tokio::test]
async fn ios_goes_to_af_ios_url_and_otherwise_to_the_app_store() {
    let (app, key) = with_link().await;
    let data = json!({"af_ios_url": "https://feedme.example/ios?a=1"});
    link(&app, &key, "iosurl", data).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/iosurl"), IOS).await;
    assert_eq!(reply.location(), "https://feedme.example/ios?a=1");
    let reply = click(&app, FEEDME, &format!("/{TID}/bananas7"), IOS).await;
    assert_eq!(reply.location(), app_store(&app, TID).await);
    assert_click_headers(&reply);
    assert_eq!(nth_click(&app, 1).await.device, DeviceKind::Ios);
}

#[tokio::test]
async fn desktop_goes_to_af_web_dp_then_the_templates_desktop_url() {
    let (app, key) = with_link().await;
    let data = json!({"af_web_dp": "https://feedme.example/web"});
    link(&app, &key, "web", data).await;
    let desktop_url = json!({"desktop_url": "https://feedme.example/desktop"});
    patch_template(&app, &key, TID, desktop_url).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/web"), DESKTOP).await;
    assert_eq!(reply.location(), "https://feedme.example/web");
    let reply = click(&app, FEEDME, &format!("/{TID}/bananas7"), DESKTOP).await;
    assert_eq!(reply.location(), "https://feedme.example/desktop");
    assert_click_headers(&reply);
    assert_eq!(nth_click(&app, 1).await.device, DeviceKind::Desktop);
}

#[tokio::test]
async fn desktop_otherwise_gets_a_page_with_the_title_and_a_qr_code_of_the_link() {
    let (app, key) = with_link().await;
    let data = json!({"af_og_title": "Fresh bananas"});
    link(&app, &key, "titled", data).await;
    let reply = click(&app, FEEDME, &format!("/{TID}/titled"), DESKTOP).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_click_headers(&reply);
    assert_safe_page(&reply);
    assert!(reply.body.contains("<title>Fresh bananas</title>"));
    assert!(reply.body.contains("<h1>Fresh bananas</h1>"));
    let url = "<code>https://feedme.links.test/H5hv/titled</code>";
    assert!(reply.body.contains(url), "{}", reply.body);
    let marker = "<img alt=\"QR code of this link\" src=\"data:image/svg+xml;base64,";
    let start = reply.body.find(marker).expect("a QR image") + marker.len();
    let data = &reply.body[start..start + reply.body[start..].find('"').unwrap()];
    let svg = base64::engine::general_purpose::STANDARD.decode(data);
    let svg = String::from_utf8(svg.unwrap()).unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    let untitled = click(&app, FEEDME, &format!("/{TID}/bananas7"), DESKTOP).await;
    assert!(untitled.body.contains("<h1>Open in the app</h1>"));
    let stored = nth_click(&app, 1).await;
    assert_eq!(stored.shortlink_id.as_deref(), Some("bananas7"));
}

#[tokio::test]
async fn head_answers_like_get_without_a_body_and_records_no_click() {
    let (app, key) = with_link().await;
    let data = json!({"af_dp": "feedme://o", "af_force_deeplink": "true"});
    link(&app, &key, "open", data).await;
    let paths = ["/H5hv/bananas7", "/H5hv/open", "/H5hv?pid=x"];
    // Locations that carry a click id differ in it alone.
    let before_click_id = |l: &str| l[..l.find("waylink_click_id").unwrap_or(l.len())].to_owned();
    for path in &paths {
        for ua in [ANDROID, IOS, DESKTOP, CRAWLERS[0]] {
            let head = send(&app, "HEAD", FEEDME, path, ua, &[]).await;
            let get = click(&app, FEEDME, path, ua).await;
            let status = (head.status, head.body.as_str());
            assert_eq!(status, (get.status, ""), "{path} {ua}");
            assert_click_headers(&head);
            assert_eq!(head.header("content-type"), get.header("content-type"));
            let (h, g) = (head.header("location"), get.header("location"));
            assert_eq!(before_click_id(h), before_click_id(g), "{path} {ua}");
            assert_eq!(h.len(), g.len(), "{h} {g}");
        }
    }
    // Three GETs by people per path were recorded; no HEAD was.
    assert_eq!(app.stored_clicks(TID, 9).await.len(), 9);
    assert_eq!(queued(&app), 9);
}

#[tokio::test]
async fn a_long_link_takes_its_data_from_the_query_with_or_without_a_trailing_slash() {
    let (app, _key) = feedme().await;
    for (n, path) in ["/H5hv?pid=sms&c=x", "/H5hv/?pid=sms&c=x"]
        .into_iter()
        .enumerate()
    {
        let reply = click(&app, FEEDME, path, ANDROID).await;
        assert_click_headers(&reply);
        let stored = nth_click(&app, n).await;
        let expected = play(&stored.click_id, "%26pid%3Dsms%26c%3Dx");
        assert_eq!(reply.location(), expected, "{path}");
        assert_eq!(stored.shortlink_id, None);
        let data = serde_json::to_value(&stored.data).unwrap();
        assert_eq!(data, json!({"pid": "sms", "c": "x"}));
    }
}

#[tokio::test]
async fn a_short_link_clicks_query_is_merged_over_its_data_for_that_click_only() {
    let (app, key) = with_link().await;
    let path = format!("/{TID}/bananas7?c=summer&af_sub1=fb");
    let reply = click(&app, FEEDME, &path, ANDROID).await;
    let stored = nth_click(&app, 0).await;
    let merged = play(&stored.click_id, "%26pid%3Dsms%26c%3Dsummer");
    assert_eq!(reply.location(), merged);
    let data = serde_json::to_value(&stored.data).unwrap();
    assert_eq!(data, json!({"pid": "sms", "c": "summer", "af_sub1": "fb"}));
    let (status, body) = v2_read(&app, &key, TID, "bananas7").await;
    let unchanged = json!({"pid": "sms", "c": "bananas"});
    assert_eq!((status, &body["payload"]), (200, &unchanged));
    let reply = click(&app, FEEDME, &format!("/{TID}/bananas7"), ANDROID).await;
    let cid = click_id(&app, 1).await;
    let stored_only = play(&cid, "%26pid%3Dsms%26c%3Dbananas");
    assert_eq!(reply.location(), stored_only);
    // Overrides from the query follow the long-link rule.
    let evil = format!("/{TID}/bananas7?af_r={}", enc("https://evil.example/"));
    let reply = click(&app, FEEDME, &evil, IOS).await;
    assert_eq!(reply.location(), app_store(&app, TID).await);
    let store = enc("https://apps.apple.com/app/id9");
    let reply = click(&app, FEEDME, &format!("/{TID}/bananas7?af_r={store}"), IOS).await;
    assert_eq!(reply.location(), "https://apps.apple.com/app/id9");
}

#[tokio::test]
async fn a_host_of_one_template_with_the_path_of_another_is_a_404_page() {
    let (app, _key) = feedme().await;
    app.feedme("Gr0c", "grocer").await;
    for (host, path) in [
        (FEEDME, "/Gr0c/abc"),
        (FEEDME, "/Gr0c"),
        (BRAND, "/Gr0c/"),
        ("grocer.links.test", "/H5hv/abc"),
        ("go.grocer.example", "/H5hv?pid=x"),
    ] {
        assert_not_found_page(&click(&app, host, path, ANDROID).await);
    }
    let reply = click(&app, "grocer.links.test", "/Gr0c/abc", ANDROID).await;
    assert_eq!(
        reply.location(),
        "https://play.google.com/store/apps/details?id=com.grocer.app"
    );
    assert_eq!(app.stored_clicks("Gr0c", 1).await.len(), 1);
    assert_eq!(queued(&app), 1);
}

#[tokio::test]
async fn an_unknown_template_is_a_404_page_on_any_host() {
    let (app, _key) = feedme().await;
    for host in [FEEDME, BRAND, ""] {
        let paths = [
            "/Zzzz9",
            "/Zzzz9/",
            "/Zzzz9/abc",
            "/Zzzz9?pid=x",
            "/%FF",
            "/%C3%28/x",
        ];
        for path in paths {
            for ua in [ANDROID, CRAWLERS[0]] {
                assert_not_found_page(&click(&app, host, path, ua).await);
            }
        }
    }
}

#[tokio::test]
async fn any_other_host_routes_by_the_path_alone() {
    let (app, _key) = with_link().await;
    app.feedme("Gr0c", "grocer").await;
    // No host header set: the client sends 127.0.0.1:{port}.
    let reply = click(&app, "", &format!("/{TID}/bananas7"), IOS).await;
    assert_eq!(reply.location(), app_store(&app, TID).await);
    let reply = click(&app, "elsewhere.example", "/Gr0c?pid=x", ANDROID).await;
    assert_redirects_under(
        &reply,
        "https://play.google.com/store/apps/details?id=com.grocer.app&",
    );
    assert_eq!(app.stored_clicks(TID, 1).await.len(), 1);
    assert_eq!(app.stored_clicks("Gr0c", 1).await.len(), 1);
}

#[tokio::test]
async fn a_brand_domain_routes_its_templates_with_or_without_a_port() {
    let (app, _key) = with_link().await;
    let store = app_store(&app, TID).await;
    let hosts = [
        BRAND,
        "go.feedme.example:8443",
        "GO.FEEDME.EXAMPLE",
        "FeedMe.Links.Test:443",
    ];
    for host in hosts {
        let reply = click(&app, host, &format!("/{TID}/bananas7"), IOS).await;
        assert_eq!(reply.location(), store, "{host}");
        assert_click_headers(&reply);
    }
    assert_eq!(app.stored_clicks(TID, 4).await.len(), 4);
}

#[tokio::test]
async fn unknown_expired_and_deleted_links_route_without_data_and_are_recorded_expired() {
    let (app, key) = feedme().await;
    let ios = app_store(&app, TID).await;
    let data = json!({"pid": "sms", "af_ios_url": "https://feedme.example/ios", "af_web_dp": "https://feedme.example/web"});
    for sid in ["expired", "deleted"] {
        let body = json!({"data": data, "shortlink_id": sid, "ttl": "1d"});
        assert_eq!(v2_create(&app, &key, TID, body).await.0, 200);
    }
    assert_eq!(v2_delete(&app, &key, TID, "deleted").await.0, 200);
    app.advance(DAY_MS + SECOND_MS);
    let desktop = "https://feedme.example/desktop";
    patch_template(&app, &key, TID, json!({"desktop_url": desktop})).await;
    let start = app.now();
    // (as sent, as recorded): the last is not UTF-8 once decoded.
    let sids = [
        ("expired", "expired"),
        ("deleted", "deleted"),
        ("unknown", "unknown"),
        ("bad!id", "bad!id"),
        ("%FF%2Fx", "\u{FFFD}/x"),
    ];
    for (sid, _) in sids {
        for (ua, expected) in [(ANDROID, PLAY), (IOS, ios.as_str()), (DESKTOP, desktop)] {
            let reply = click(&app, FEEDME, &format!("/{TID}/{sid}"), ua).await;
            assert_eq!(reply.location(), expected, "{sid} {ua}");
            assert_click_headers(&reply);
        }
    }
    let clicks = app.stored_clicks(TID, 15).await;
    assert_eq!(clicks.len(), 15);
    for (n, c) in clicks.iter().enumerate() {
        assert_eq!(c.shortlink_id.as_deref(), Some(sids[n / 3].1));
        assert!(c.expired && c.data.is_empty(), "{c:?}");
        assert_eq!(c.at, start.plus_millis(n as i64 + 1));
    }
}

#[tokio::test]
async fn a_template_without_an_app_for_the_platform_treats_it_as_desktop() {
    let app = TestApp::spawn().await;
    let key = app.create_account("solo", None).await.api_key;
    let body = Some(android("com.solo.app"));
    assert_eq!(
        app.json("POST", "/api/v1/apps", Some(&key), body).await.0,
        201
    );
    let template = json!({"id": "Solo", "subdomain": "solo", "android_app_id": "com.solo.app",
        "desktop_url": "https://solo.example/"});
    assert_eq!(create_template(&app, &key, template).await.0, 201);
    let reply = click(&app, "solo.links.test", "/Solo?pid=x", IOS).await;
    assert_eq!(reply.location(), "https://solo.example/");
    let reply = click(&app, "solo.links.test", "/Solo?pid=x", ANDROID).await;
    let clicks = app.stored_clicks("Solo", 2).await;
    assert_eq!(clicks[0].device, DeviceKind::Ios);
    let expected = play(&clicks[1].click_id, "%26pid%3Dx").replace("feedme", "solo");
    assert_eq!(reply.location(), expected);
}
