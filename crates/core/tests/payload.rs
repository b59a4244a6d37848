//! The payloads the SDK hands the app: conversion data (non-organic and
//! organic), the app-open attribution map, the UDL results, and the link
//! URL parser, each field with the JSON type the spec fixes.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use waylink_core::attribution::{Attribution, MatchType, click_lookback};
use waylink_core::click::Click;
use waylink_core::clock::{HOUR_MS, MINUTE_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::payload::{
    OpenedLink, conversion_data, parse_link_url, sdk_time, udl_deferred, udl_error, udl_not_found,
};
use waylink_core::user_agent::DeviceKind;

/// The install: 2026-11-22 16:04:50.605 UTC.
const INSTALL: i64 = 1_795_363_490_605;
/// The click: 2026-11-22 15:59:59.001 UTC.
const CLICK: i64 = INSTALL - 4 * MINUTE_MS - 51_604;

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    BTreeMap::from_iter(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn click_at(at: i64, pairs: &[(&str, &str)]) -> Click {
    Click {
        click_id: "k1".into(),
        at: Timestamp::from_millis(at),
        template_id: TemplateId::from_stored("H5hv".into()),
        shortlink_id: None,
        data: data(pairs),
        device: DeviceKind::Android,
        os_version: None,
        device_model: None,
        referer: None,
        advertising_id: None,
        ip_hash: None,
        expired: false,
    }
}

fn non_organic(c: Click, match_type: MatchType) -> Attribution {
    let lookback = click_lookback(&c.data);
    Attribution::NonOrganic {
        click: Box::new(c),
        match_type,
        lookback,
    }
}

fn ts(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
}

/// The install launch's conversion data for an attributed click.
fn converted_click(c: Click) -> Map<String, Value> {
    conversion_data(ts(INSTALL), &non_organic(c, MatchType::Referrer), true)
}

fn converted(pairs: &[(&str, &str)]) -> Map<String, Value> {
    converted_click(click_at(CLICK, pairs))
}

/// A link URL opened, with a short link's stored data.
fn open(url: &str, stored: Option<&[(&str, &str)]>) -> OpenedLink {
    let shortlink = stored.map(|_| "bananas7".to_string());
    parse_link_url(url)
        .unwrap()
        .opened(stored.map(data).as_ref(), shortlink)
}

#[test]
fn sdk_times_are_utc_with_milliseconds() {
    assert_eq!(sdk_time(ts(INSTALL)), "2026-11-22 16:04:50.605");
    assert_eq!(sdk_time(ts(CLICK)), "2026-11-22 15:59:59.001");
    assert_eq!(sdk_time(ts(0)), "1970-01-01 00:00:00.000");
}

#[test]
fn non_organic_conversion_data_has_status_first_launch_times_and_match_type() {
    for name in ["referrer", "id_matching", "probabilistic"] {
        let match_type = MatchType::parse(name).unwrap();
        for first in [true, false] {
            let a = non_organic(click_at(CLICK, &[("pid", "sms")]), match_type);
            let cd = conversion_data(ts(INSTALL), &a, first);
            assert_eq!(cd["af_status"], json!("Non-organic"));
            assert_eq!(cd["is_first_launch"], Value::Bool(first));
            assert_eq!(cd["install_time"], json!("2026-11-22 16:04:50.605"));
            assert_eq!(cd["click_time"], json!("2026-11-22 15:59:59.001"));
            assert_eq!(cd["match_type"], json!(name));
            assert_eq!(cd["iscache"], Value::Bool(false));
            assert_eq!(cd["retargeting_conversion_type"], json!("none"));
        }
    }
}

#[test]
fn media_source_and_campaign_come_from_pid_and_c_which_are_not_repeated() {
    let cd = converted(&[("pid", "sms"), ("c", "bananas")]);
    assert_eq!(cd["media_source"], json!("sms"));
    assert_eq!(cd["campaign"], json!("bananas"));
    assert!(!cd.contains_key("pid"));
    assert!(!cd.contains_key("c"));
}

#[test]
fn is_retargeting_is_a_boolean_true_only_for_true_in_any_case() {
    let retargeting = |v: &str| converted(&[("is_retargeting", v)])["is_retargeting"].clone();
    for value in ["true", "TRUE", "True"] {
        assert_eq!(retargeting(value), json!(true), "{value}");
    }
    for value in ["false", "1", "yes", ""] {
        assert_eq!(retargeting(value), json!(false), "{value}");
    }
    assert_eq!(converted(&[])["is_retargeting"], json!(false));
}

#[test]
fn af_click_lookback_is_the_window_that_applied_in_its_clamped_form() {
    assert_eq!(converted(&[])["af_click_lookback"], json!("7d"));
    for (link, text) in [("12h", "12h"), ("3d", "3d"), ("45d", "30d")] {
        let cd = converted(&[("af_click_lookback", link)]);
        assert_eq!(cd["af_click_lookback"], json!(text));
    }
}

#[test]
fn shortlink_is_present_only_for_short_links() {
    assert!(!converted(&[]).contains_key("shortlink"));
    let mut short = click_at(CLICK, &[]);
    short.shortlink_id = Some("bananas7".into());
    assert_eq!(converted_click(short)["shortlink"], json!("bananas7"));
}

#[test]
fn http_referrer_is_the_clicks_referer_or_null() {
    assert_eq!(converted(&[]).get("http_referrer"), Some(&Value::Null));
    let mut referred = click_at(CLICK, &[]);
    referred.referer = Some("https://news.example/".into());
    let cd = converted_click(referred);
    assert_eq!(cd["http_referrer"], json!("https://news.example/"));
}

const NULLABLE: &str =
    "af_adset af_ad af_channel af_siteid af_sub1 af_sub2 af_sub3 af_sub4 af_sub5";

#[test]
fn ad_fields_are_strings_from_the_link_or_null_when_absent() {
    let absent = converted(&[]);
    for key in NULLABLE.split(' ') {
        assert_eq!(absent.get(key), Some(&Value::Null), "{key}");
    }
    let pairs: Vec<(&str, String)> = NULLABLE.split(' ').map(|k| (k, format!("v-{k}"))).collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let present = converted(&pairs);
    for key in NULLABLE.split(' ') {
        assert_eq!(present[key], json!(format!("v-{key}")), "{key}");
    }
}

#[test]
fn a_usd_cost_gives_numbers_and_an_integer_of_cents() {
    let cd = converted(&[("af_cost_value", "0.35")]);
    assert_eq!(cd["af_cost_currency"], json!("USD"));
    assert!(cd["af_cost_value"].is_f64());
    assert_eq!(cd["af_cost_value"].as_f64(), Some(0.35));
    assert_eq!(cd["orig_cost"].as_f64(), Some(0.35));
    assert!(cd["cost_cents_USD"].is_i64());
    assert_eq!(cd["cost_cents_USD"], json!(35));
    // 0.29 × 100 is 28.999… in binary floating point: cents are rounded.
    assert_eq!(
        converted(&[("af_cost_value", "0.29")])["cost_cents_USD"],
        json!(29)
    );
    let cd = converted(&[("af_cost_value", "12"), ("af_cost_currency", "usd")]);
    assert_eq!(cd["af_cost_currency"], json!("USD"));
    assert_eq!(cd["af_cost_value"].as_f64(), Some(12.0));
    assert_eq!(cd["cost_cents_USD"], json!(1200));
}

#[test]
fn a_cost_in_another_currency_has_no_cents_usd() {
    let cd = converted(&[("af_cost_value", "2.5"), ("af_cost_currency", "EUR")]);
    assert_eq!(cd["af_cost_currency"], json!("EUR"));
    assert_eq!(cd["af_cost_value"].as_f64(), Some(2.5));
    assert_eq!(cd["orig_cost"].as_f64(), Some(2.5));
    assert_eq!(cd["cost_cents_USD"], Value::Null);
}

#[test]
fn without_a_readable_cost_value_the_cost_numbers_are_null() {
    let unreadable = ["abc", "", "NaN", "inf", "1e999"].map(|v| vec![("af_cost_value", v)]);
    for pairs in [vec![]].into_iter().chain(unreadable) {
        let cd = converted(&pairs);
        assert_eq!(cd["af_cost_currency"], json!("USD"), "{pairs:?}");
        assert_eq!(cd["af_cost_value"], Value::Null, "{pairs:?}");
        assert_eq!(cd["orig_cost"], Value::Null, "{pairs:?}");
        assert_eq!(cd["cost_cents_USD"], json!(0), "{pairs:?}");
    }
}

#[test]
fn every_other_link_parameter_is_carried_as_its_string() {
    let mut pairs = vec![
        ("deep_link_value", "apples"),
        ("af_dp", "feedme://mainactivity"),
        ("af_ios_url", "https://feedme.example/ios"),
        ("af_android_url", "https://feedme.example/android"),
        ("af_web_dp", "https://feedme.example/web"),
        ("fruit_name", "durian"),
        ("fruit_amount", "7"),
    ];
    let subs: Vec<(String, String)> = (1..=10)
        .map(|n| (format!("deep_link_sub{n}"), format!("s{n}")))
        .collect();
    pairs.extend(subs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let cd = converted(&pairs);
    for (k, v) in &pairs {
        assert_eq!(cd[*k], Value::String((*v).into()), "{k}");
    }
}

#[test]
fn fields_with_fixed_names_win_over_link_parameters_of_the_same_name() {
    let spoofed =
        "af_status=Organic is_first_launch=false iscache=true media_source=x match_type=x";
    let mut pairs: Vec<(&str, &str)> = spoofed
        .split(' ')
        .filter_map(|p| p.split_once('='))
        .collect();
    pairs.push(("pid", "sms"));
    let cd = converted(&pairs);
    assert_eq!(cd["af_status"], json!("Non-organic"));
    assert_eq!(cd["is_first_launch"], json!(true));
    assert_eq!(cd["iscache"], json!(false));
    assert_eq!(cd["media_source"], json!("sms"));
    assert_eq!(cd["match_type"], json!("referrer"));
}

#[test]
fn non_organic_conversion_data_has_exactly_the_spec_keys_plus_link_parameters() {
    let cd = converted(&[("pid", "sms"), ("c", "bananas"), ("fruit_name", "apple")]);
    let fixed = "af_status is_first_launch install_time click_time match_type media_source \
        campaign is_retargeting retargeting_conversion_type af_click_lookback http_referrer \
        af_cost_currency af_cost_value orig_cost cost_cents_USD iscache fruit_name";
    let mut expected: Vec<&str> = fixed.split_whitespace().collect();
    expected.extend(NULLABLE.split(' '));
    expected.sort_unstable();
    assert_eq!(cd.keys().collect::<Vec<_>>(), expected);
}

#[test]
fn organic_conversion_data_has_exactly_five_keys() {
    for first in [true, false] {
        let cd = conversion_data(ts(INSTALL), &Attribution::Organic, first);
        assert_eq!(
            Value::Object(cd),
            json!({"af_status": "Organic", "af_message": "organic install",
                   "is_first_launch": first, "install_time": "2026-11-22 16:04:50.605",
                   "iscache": false})
        );
    }
}

#[test]
fn app_open_attribution_of_a_long_link_is_its_query_and_url_parts_as_strings() {
    let url = "https://feedme.links.example/H5hv?pid=sms&c=bananas&deep_link_value=apples";
    let map = open(url, None).app_open_attribution();
    assert!(map.values().all(Value::is_string));
    assert_eq!(
        Value::Object(map),
        json!({"pid": "sms", "c": "bananas", "deep_link_value": "apples", "link": url,
               "scheme": "https", "host": "feedme.links.example", "path": "/H5hv",
               "media_source": "sms", "campaign": "bananas"})
    );
}

#[test]
fn app_open_attribution_of_a_uri_scheme_link_names_its_scheme_and_host() {
    let url = "feedme://mainactivity?deep_link_value=apples";
    let map = open(url, None).app_open_attribution();
    assert_eq!(
        Value::Object(map),
        json!({"deep_link_value": "apples", "link": url, "scheme": "feedme",
               "host": "mainactivity", "path": ""})
    );
}

#[test]
fn app_open_attribution_of_a_short_link_has_stored_data_under_the_query_and_shortlink() {
    let url = "https://feedme.links.example/H5hv/bananas7?af_sub1=promo&c=override";
    let stored = [("pid", "sms"), ("c", "bananas"), ("is_retargeting", "true")];
    let map = open(url, Some(&stored)).app_open_attribution();
    assert_eq!(
        Value::Object(map.clone()),
        json!({"pid": "sms", "c": "override", "is_retargeting": "true", "af_sub1": "promo",
               "link": url, "scheme": "https", "host": "feedme.links.example",
               "path": "/H5hv/bananas7", "shortlink": "bananas7",
               "media_source": "sms", "campaign": "override"})
    );
    assert!(map.values().all(Value::is_string));
}

#[test]
fn a_direct_deep_link_is_found_with_link_parts_and_is_not_deferred() {
    let url = "https://feedme.links.example/H5hv/bananas7?deep_link_value=apples";
    let stored = [("pid", "sms"), ("c", "bananas"), ("af_dp", "feedme://m")];
    assert_eq!(
        open(url, Some(&stored)).udl_direct(),
        json!({"status": "FOUND", "deep_link": {
            "pid": "sms", "c": "bananas", "af_dp": "feedme://m", "deep_link_value": "apples",
            "link": url, "scheme": "https", "host": "feedme.links.example",
            "path": "/H5hv/bananas7", "media_source": "sms", "campaign": "bananas",
            "is_deferred": false}})
    );
}

/// The install launch's UDL result for a click `ago_ms` before it.
fn deferred(ago_ms: i64, pairs: &[(&str, &str)], referer: Option<&str>, window: i64) -> Value {
    let mut c = click_at(INSTALL - ago_ms, pairs);
    c.referer = referer.map(String::from);
    udl_deferred(ts(INSTALL), &non_organic(c, MatchType::IdMatching), window)
}

#[test]
fn a_deferred_deep_link_carries_only_the_deep_link_fields_and_its_match() {
    let pairs = [
        ("pid", "sms"),
        ("c", "bananas"),
        ("af_dp", "feedme://mainactivity"),
        ("fruit_name", "durian"),
        ("deep_link_value", "apples"),
        ("deep_link_sub1", "one"),
        ("deep_link_sub10", "ten"),
        ("deep_link_sub11", "eleven"),
    ];
    let referer = Some("https://news.example/");
    let got = deferred(INSTALL - CLICK, &pairs, referer, HOUR_MS);
    assert_eq!(
        got,
        json!({"status": "FOUND", "deep_link": {
            "deep_link_value": "apples", "deep_link_sub1": "one", "deep_link_sub10": "ten",
            "is_deferred": true, "match_type": "id_matching",
            "click_http_referrer": "https://news.example/",
            "timestamp": "2026-11-22 15:59:59.001"}})
    );
    let no_referer = deferred(MINUTE_MS, &pairs, None, HOUR_MS);
    assert_eq!(no_referer["deep_link"]["click_http_referrer"], Value::Null);
}

#[test]
fn any_single_deep_link_sub_is_enough_for_a_deferred_deep_link() {
    for n in 1..=10 {
        let key = format!("deep_link_sub{n}");
        let pairs = [(key.as_str(), "x"), ("pid", "sms")];
        let got = deferred(MINUTE_MS, &pairs, None, HOUR_MS);
        assert_eq!(got["status"], json!("FOUND"), "{key}");
        let dl = got["deep_link"].as_object().unwrap();
        assert_eq!(dl[&key], json!("x"));
        assert!(!dl.contains_key("deep_link_value"));
        assert_eq!(dl.len(), 5, "{key}: {dl:?}");
    }
}

#[test]
fn a_deferred_deep_link_counts_exactly_at_the_udl_window_and_not_a_millisecond_past() {
    let pairs = [("deep_link_value", "apples")];
    for window in [MINUTE_MS, HOUR_MS, 24 * HOUR_MS] {
        let found = |ago| deferred(ago, &pairs, None, window)["status"] == "FOUND";
        assert!(found(window) && found(0) && found(window / 2), "{window}");
        assert_eq!(deferred(window + 1, &pairs, None, window), udl_not_found());
    }
}

#[test]
fn without_deep_link_fields_or_attribution_there_is_no_deferred_deep_link() {
    let plain = [("pid", "sms"), ("c", "bananas"), ("af_dp", "feedme://m")];
    assert_eq!(deferred(MINUTE_MS, &plain, None, HOUR_MS), udl_not_found());
    let organic = udl_deferred(ts(INSTALL), &Attribution::Organic, HOUR_MS);
    assert_eq!(organic, json!({"status": "NOT_FOUND"}));
}

#[test]
fn a_server_side_failure_is_an_error_with_its_reason() {
    assert_eq!(
        udl_error("storage unavailable"),
        json!({"status": "ERROR", "error": "storage unavailable"})
    );
    assert_eq!(udl_not_found(), json!({"status": "NOT_FOUND"}));
}

#[test]
fn a_short_link_path_names_the_template_and_the_short_link() {
    let u = parse_link_url("https://feedme.links.example/H5hv/bananas7?pid=sms").unwrap();
    assert_eq!(u.ids, Some(("H5hv".into(), Some("bananas7".into()))));
    assert_eq!(
        (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
        ("https", "feedme.links.example", "/H5hv/bananas7")
    );
    assert_eq!(u.query, vec![("pid".to_string(), "sms".to_string())]);
}

#[test]
fn a_long_link_path_names_only_the_template() {
    for url in [
        "https://feedme.links.example/H5hv",
        "https://feedme.links.example/H5hv/",
        "http://feedme.links.example/H5hv?pid=sms",
    ] {
        let ids = parse_link_url(url).unwrap().ids;
        assert_eq!(ids, Some(("H5hv".into(), None)), "{url}");
    }
}

#[test]
fn paths_that_name_no_link_and_uri_scheme_links_have_no_ids() {
    for url in [
        "https://feedme.links.example/",
        "https://feedme.links.example",
        "https://feedme.links.example/H5hv/bananas7/extra",
        "https://feedme.links.example//bananas7",
        "feedme://H5hv/bananas7",
    ] {
        assert_eq!(parse_link_url(url).unwrap().ids, None, "{url}");
    }
}

#[test]
fn text_that_is_not_a_url_is_refused() {
    let garbage = "|   |not a url|/H5hv/bananas7|http://|://x|https://exa mple.com/|feedme";
    for text in garbage.split('|') {
        assert_eq!(parse_link_url(text), None, "{text:?}");
    }
}

#[test]
fn query_values_are_decoded() {
    let url = "https://feedme.links.example/H5hv?a=b%20c&d=e+f&g=%C3%A9t%C3%A9&h=🍌&i=%26%3D&j=";
    let u = parse_link_url(url).unwrap();
    let q: Vec<String> = u.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(q, ["a=b c", "d=e f", "g=été", "h=🍌", "i=&=", "j="]);
    assert_eq!(u.url, url);
}

#[test]
fn opening_lays_the_query_over_the_stored_data() {
    let u = parse_link_url("https://feedme.links.example/H5hv/bananas7?c=new&x=1&x=2").unwrap();
    let stored = data(&[("pid", "sms"), ("c", "old")]);
    let opened = u.opened(Some(&stored), Some("bananas7".into()));
    let expected = data(&[("pid", "sms"), ("c", "new"), ("x", "2")]);
    assert_eq!(opened.data, expected);
    assert_eq!(opened.shortlink.as_deref(), Some("bananas7"));
    assert_eq!(opened.url, u.url);
    let bare = u.opened(None, None);
    assert_eq!(bare.data, data(&[("c", "new"), ("x", "2")]));
    assert_eq!(bare.shortlink, None);
}
