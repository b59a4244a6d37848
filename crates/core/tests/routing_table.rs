//! The decision table of click-routing.md, one case per row and platform:
//! each click is routed by `routing::decide` and the exact destination is
//! asserted, for long links, live short links and missing short links.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use waylink_core::link_data::LinkData;
use waylink_core::routing::{Click, Destination, LinkSource, decide};
use waylink_core::template::Template;
use waylink_core::user_agent::DeviceKind::{self, Android, Desktop, Ios};

const ID: &str = "k7Qx2mPz";
const PLAY: &str = "https://play.google.com/store/apps/details?id=com.feedme.app";
const PLAY_WITH_ID: &str = "https://play.google.com/store/apps/details?id=com.feedme.app&referrer=waylink_click_id%3Dk7Qx2mPz";
const APP_STORE: &str = "https://apps.apple.com/app/id1234567890";

/// The feedme template with `extra` fields merged in (`null` removes one).
fn template(extra: Value) -> Template {
    let mut body = json!({
        "id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app",
        "ios_app_id": "id1234567890", "uri_scheme": "feedme",
        "allowed_redirect_domains": ["feedme.example"],
    });
    for (k, v) in extra.as_object().expect("an object") {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    Template::from_create_body(body).expect("a valid template")
}

fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn stored(data: Value) -> LinkData {
    LinkData::from_json(&data).expect("valid link data")
}

fn route(
    t: &Template,
    device: DeviceKind,
    link: LinkSource<'_>,
    query: &[(&str, &str)],
    click_id: Option<&str>,
) -> Destination {
    let query = pairs(query);
    let own_hosts = vec!["feedme.links.test".to_owned()];
    decide(&Click {
        template: t,
        device,
        link,
        query: &query,
        click_id,
        own_hosts: &own_hosts,
    })
}

/// A recorded click on a live short link with this data and query.
fn short(t: &Template, device: DeviceKind, data: &LinkData, query: &[(&str, &str)]) -> Destination {
    route(t, device, LinkSource::Short(data), query, Some(ID))
}

/// A recorded click on a long link with this query.
fn long(t: &Template, device: DeviceKind, query: &[(&str, &str)]) -> Destination {
    route(t, device, LinkSource::Long, query, Some(ID))
}

fn to(url: &str) -> Destination {
    Destination::Redirect(url.to_owned())
}

fn open_app(deep_link: &str, fallback: &str) -> Destination {
    Destination::OpenAppPage {
        deep_link: deep_link.to_owned(),
        fallback: fallback.to_owned(),
    }
}

/// The intent URL of a forced deep link on Android.
fn intent(rest: &str, scheme: &str, fallback: &str) -> Destination {
    to(&format!(
        "intent://{rest}#Intent;scheme={scheme};package=com.feedme.app;S.browser_fallback_url={fallback};end"
    ))
}

/// The pairs of a form-urlencoded string, decoded.
fn decode(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The install referrer of a Play Store URL, decoded into its pairs.
fn referrer_of(store_url: &str) -> Vec<(String, String)> {
    let (base, query) = store_url.split_once('?').expect("a query");
    assert_eq!(base, "https://play.google.com/store/apps/details");
    let top = decode(query);
    assert_eq!(top.len(), 2, "id and referrer only: {store_url}");
    assert_eq!(top[0], ("id".to_owned(), "com.feedme.app".to_owned()));
    assert_eq!(top[1].0, "referrer");
    decode(&top[1].1)
}

#[test]
fn an_allowed_af_r_wins_on_android_ios_and_desktop() {
    let t = template(json!({"desktop_url": "https://feedme.example/desktop"}));
    let q = [
        ("af_r", "https://shop.feedme.example/deal?x=1"),
        ("af_force_deeplink", "true"),
        ("af_dp", "feedme://offers"),
        ("af_android_url", "https://feedme.example/android"),
        ("af_ios_url", "https://feedme.example/ios"),
        ("af_web_dp", "https://feedme.example/web"),
    ];
    for device in [Android, Ios, Desktop] {
        assert_eq!(
            long(&t, device, &q),
            to("https://shop.feedme.example/deal?x=1"),
            "{device:?}"
        );
    }
}

#[test]
fn an_af_r_to_a_foreign_host_on_a_long_link_is_ignored_and_the_next_rule_applies() {
    let t = template(json!({"desktop_url": "https://feedme.example/desktop"}));
    let q = [("af_r", "https://evil.example/phish")];
    assert_eq!(long(&t, Android, &q), to(PLAY_WITH_ID));
    assert_eq!(long(&t, Ios, &q), to(APP_STORE));
    assert_eq!(long(&t, Desktop, &q), to("https://feedme.example/desktop"));
    let bare = template(json!({}));
    assert_eq!(long(&bare, Desktop, &q), Destination::DesktopPage);
}

#[test]
fn android_with_a_forced_deep_link_gets_the_exact_intent_url_with_the_store_as_fallback_in_any_form()
 {
    let t = template(json!({}));
    let q = [
        ("af_force_deeplink", "true"),
        ("af_dp", "feedme://offers/bananas?x=1"),
        ("af_android_url", "https://feedme.example/android"),
        ("pid", "sms"),
    ];
    let fallback = "https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.feedme.app%26referrer%3Dwaylink_click_id%253Dk7Qx2mPz%2526pid%253Dsms";
    let expected = intent("offers/bananas?x=1", "feedme", fallback);
    assert_eq!(long(&t, Android, &q), expected);
    let decoded = decode(&format!("f={fallback}"));
    assert_eq!(
        decoded[0].1,
        format!("{PLAY_WITH_ID}%26pid%3Dsms"),
        "the fallback decodes to the store URL with its referrer"
    );
    assert_eq!(
        referrer_of(&decoded[0].1),
        pairs(&[("waylink_click_id", ID), ("pid", "sms")])
    );
    let q = [("af_force_deeplink", "TRUE"), ("af_dp", "feedme:home")];
    let fallback = "https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.feedme.app%26referrer%3Dwaylink_click_id%253Dk7Qx2mPz";
    assert_eq!(long(&t, Android, &q), intent("home", "feedme", fallback));
}

#[test]
fn without_af_force_deeplink_true_android_never_gets_an_intent() {
    let t = template(json!({}));
    for force in [None, Some("false"), Some("1"), Some("")] {
        let mut q = vec![("af_dp", "feedme://offers")];
        if let Some(f) = force {
            q.push(("af_force_deeplink", f));
        }
        assert_eq!(long(&t, Android, &q), to(PLAY_WITH_ID), "{force:?}");
    }
    let only_force = [("af_force_deeplink", "true")];
    assert_eq!(long(&t, Android, &only_force), to(PLAY_WITH_ID));
}

#[test]
fn an_allowed_af_android_url_gets_the_click_id_added_to_its_query() {
    let t = template(json!({}));
    let cases = [
        (
            "https://feedme.example/install",
            "https://feedme.example/install?waylink_click_id=k7Qx2mPz",
        ),
        (
            "https://feedme.example/install?ref=a%20b&x=1",
            "https://feedme.example/install?ref=a%20b&x=1&waylink_click_id=k7Qx2mPz",
        ),
        (
            "https://feedme.example/install#top",
            "https://feedme.example/install?waylink_click_id=k7Qx2mPz#top",
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(long(&t, Android, &[("af_android_url", url)]), to(expected));
    }
}

#[test]
fn android_otherwise_goes_to_the_play_store_with_the_click_id_pid_and_c_in_the_referrer() {
    let t = template(json!({}));
    assert_eq!(long(&t, Android, &[]), to(PLAY_WITH_ID));
    assert_eq!(
        long(&t, Android, &[("c", "bananas"), ("pid", "sms"), ("x", "y")]),
        to(&format!("{PLAY_WITH_ID}%26pid%3Dsms%26c%3Dbananas"))
    );
    assert_eq!(
        long(&t, Android, &[("c", "bananas")]),
        to(&format!("{PLAY_WITH_ID}%26c%3Dbananas"))
    );
}

#[test]
fn referrer_values_with_separators_spaces_and_unicode_decode_back_exactly() {
    let t = template(json!({}));
    let pid = "a&b=c d+e%20f?g#h";
    let c = "Äpfel & Birnen = 😀 100% \"sale\"";
    let Destination::Redirect(url) = long(&t, Android, &[("pid", pid), ("c", c)]) else {
        panic!("a redirect");
    };
    assert!(
        url.is_ascii() && !url.contains(' ') && !url.contains('#'),
        "{url}"
    );
    assert_eq!(
        referrer_of(&url),
        pairs(&[("waylink_click_id", ID), ("pid", pid), ("c", c)])
    );
}

#[test]
fn ios_with_a_forced_deep_link_gets_the_open_app_page_with_the_ios_destination_as_fallback() {
    let t = template(json!({}));
    let forced = [
        ("af_force_deeplink", "true"),
        ("af_dp", "feedme://offers/bananas?x=1"),
    ];
    let dl = "feedme://offers/bananas?x=1";
    assert_eq!(long(&t, Ios, &forced), open_app(dl, APP_STORE));
    let mut with_url = forced.to_vec();
    with_url.push(("af_ios_url", "https://feedme.example/ios?a=1"));
    let fallback = "https://feedme.example/ios?a=1";
    assert_eq!(long(&t, Ios, &with_url), open_app(dl, fallback));
    let mut with_foreign = forced.to_vec();
    with_foreign.push(("af_ios_url", "https://evil.example/ios"));
    assert_eq!(long(&t, Ios, &with_foreign), open_app(dl, APP_STORE));
}

#[test]
fn ios_goes_to_an_allowed_af_ios_url_else_to_the_app_store() {
    let t = template(json!({}));
    let q = [
        ("af_ios_url", "https://feedme.example/ios?a=1"),
        ("af_android_url", "https://feedme.example/android"),
    ];
    assert_eq!(long(&t, Ios, &q), to("https://feedme.example/ios?a=1"));
    assert_eq!(long(&t, Ios, &[("af_dp", "feedme://x")]), to(APP_STORE));
    assert_eq!(long(&t, Ios, &[]), to(APP_STORE));
}

#[test]
fn desktop_goes_to_af_web_dp_then_the_templates_desktop_url_then_the_desktop_page() {
    let with_url = template(json!({"desktop_url": "https://feedme.example/desktop"}));
    let bare = template(json!({}));
    let web = [("af_web_dp", "https://www.feedme.example/web?a=1")];
    assert_eq!(
        long(&with_url, Desktop, &web),
        to("https://www.feedme.example/web?a=1")
    );
    assert_eq!(
        long(&bare, Desktop, &web),
        to("https://www.feedme.example/web?a=1")
    );
    let others = [
        ("af_force_deeplink", "true"),
        ("af_dp", "feedme://x"),
        ("af_ios_url", "https://feedme.example/ios"),
        ("af_android_url", "https://feedme.example/android"),
    ];
    assert_eq!(
        long(&with_url, Desktop, &others),
        to("https://feedme.example/desktop")
    );
    assert_eq!(long(&bare, Desktop, &others), Destination::DesktopPage);
}

#[test]
fn a_template_without_an_app_for_the_platform_routes_that_platform_as_desktop() {
    let forced = [
        ("af_force_deeplink", "true"),
        ("af_dp", "feedme://x"),
        ("af_android_url", "https://feedme.example/android"),
        ("af_ios_url", "https://feedme.example/ios"),
    ];
    let ios_only = template(json!({"android_app_id": null}));
    assert_eq!(long(&ios_only, Android, &forced), Destination::DesktopPage);
    let web = [("af_web_dp", "https://feedme.example/w")];
    assert_eq!(
        long(&ios_only, Android, &web),
        to("https://feedme.example/w")
    );
    let android_only =
        template(json!({"ios_app_id": null, "desktop_url": "https://feedme.example/d"}));
    assert_eq!(
        long(&android_only, Ios, &forced),
        to("https://feedme.example/d")
    );
    assert_eq!(long(&android_only, Android, &[]), to(PLAY_WITH_ID));
}

#[test]
fn a_missing_short_link_routes_as_no_data_and_its_store_referrer_has_no_click_id() {
    let t = template(json!({"desktop_url": "https://feedme.example/desktop"}));
    let missing = |device| route(&t, device, LinkSource::Missing, &[], None);
    assert_eq!(missing(Android), to(PLAY));
    assert_eq!(missing(Ios), to(APP_STORE));
    assert_eq!(missing(Desktop), to("https://feedme.example/desktop"));
    let bare = template(json!({}));
    assert_eq!(
        route(&bare, Desktop, LinkSource::Missing, &[], None),
        Destination::DesktopPage
    );
}

#[test]
fn without_a_click_id_the_referrer_keeps_pid_and_c_only_and_af_android_url_is_unchanged() {
    let t = template(json!({}));
    let q = [("pid", "sms"), ("c", "bananas")];
    assert_eq!(
        route(&t, Android, LinkSource::Long, &q, None),
        to(&format!("{PLAY}&referrer=pid%3Dsms%26c%3Dbananas"))
    );
    let q = [("af_android_url", "https://feedme.example/install?a=1")];
    assert_eq!(
        route(&t, Android, LinkSource::Long, &q, None),
        to("https://feedme.example/install?a=1")
    );
}

#[test]
fn stored_overrides_of_a_short_link_are_trusted_for_any_http_or_https_host() {
    let t = template(json!({}));
    let mut body = json!({
        "af_web_dp": "http://elsewhere.example/web",
        "af_ios_url": "https://ios.example/i",
        "af_android_url": "https://android.example/a?z=1",
    });
    let data = stored(body.clone());
    assert_eq!(
        short(&t, Android, &data, &[]),
        to("https://android.example/a?z=1&waylink_click_id=k7Qx2mPz")
    );
    assert_eq!(short(&t, Ios, &data, &[]), to("https://ios.example/i"));
    assert_eq!(
        short(&t, Desktop, &data, &[]),
        to("http://elsewhere.example/web")
    );
    body["af_r"] = json!("https://anywhere.example/r");
    let data = stored(body);
    for device in [Android, Ios, Desktop] {
        let got = short(&t, device, &data, &[]);
        assert_eq!(got, to("https://anywhere.example/r"), "{device:?}");
    }
}

#[test]
fn the_same_override_in_a_short_links_click_query_must_pass_the_long_link_allowlist() {
    let t = template(json!({}));
    let data = stored(json!({"pid": "sms"}));
    let store = format!("{PLAY_WITH_ID}%26pid%3Dsms");
    let foreign = [
        ("af_r", "https://anywhere.example/r"),
        ("af_android_url", "https://android.example/a"),
        ("af_ios_url", "https://ios.example/i"),
        ("af_web_dp", "https://elsewhere.example/web"),
    ];
    assert_eq!(short(&t, Android, &data, &foreign), to(&store));
    assert_eq!(short(&t, Ios, &data, &foreign), to(APP_STORE));
    assert_eq!(
        short(&t, Desktop, &data, &foreign),
        Destination::DesktopPage
    );
    let allowed = [("af_r", "https://feedme.example/r")];
    assert_eq!(
        short(&t, Ios, &data, &allowed),
        to("https://feedme.example/r")
    );
}

#[test]
fn a_query_override_wins_over_the_stored_one_and_a_refused_query_override_is_not_replaced_by_it() {
    let t = template(json!({}));
    let data = stored(json!({"af_r": "https://anywhere.example/stored"}));
    let allowed = [("af_r", "https://feedme.example/q")];
    assert_eq!(
        short(&t, Ios, &data, &allowed),
        to("https://feedme.example/q")
    );
    let foreign = [("af_r", "https://evil.example/q")];
    assert_eq!(short(&t, Ios, &data, &foreign), to(APP_STORE));
}

#[test]
fn query_values_are_merged_over_stored_data_and_the_query_wins_the_last_of_repeated_keys_too() {
    let t = template(json!({}));
    let data = stored(json!({"pid": "sms", "c": "bananas", "af_sub1": "x"}));
    let before = data.clone();
    let query = pairs(&[
        ("pid", "push"),
        ("pid", "email"),
        ("idfa", "AEBE52E7"),
        ("af_sub2", "1"),
        ("af_sub2", "2"),
    ]);
    let own = vec!["feedme.links.test".to_owned()];
    let click = Click {
        template: &t,
        device: Android,
        link: LinkSource::Short(&data),
        query: &query,
        click_id: Some(ID),
        own_hosts: &own,
    };
    let expected: BTreeMap<String, String> = pairs(&[
        ("af_sub1", "x"),
        ("af_sub2", "2"),
        ("c", "bananas"),
        ("idfa", "AEBE52E7"),
        ("pid", "email"),
    ])
    .into_iter()
    .collect();
    assert_eq!(click.merged_data(), expected);
    assert_eq!(
        decide(&click),
        to(&format!("{PLAY_WITH_ID}%26pid%3Demail%26c%3Dbananas"))
    );
    assert_eq!(data, before, "the stored link is not changed");
    let long_click = Click {
        link: LinkSource::Long,
        ..click
    };
    let only_query: BTreeMap<String, String> =
        pairs(&[("af_sub2", "2"), ("idfa", "AEBE52E7"), ("pid", "email")])
            .into_iter()
            .collect();
    assert_eq!(long_click.merged_data(), only_query);
}
