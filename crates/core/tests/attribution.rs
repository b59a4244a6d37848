//! Attribution of an install: the click lookback window, which clicks are
//! candidates, the three methods in order, their windows, and the outcome.

use std::collections::BTreeMap;

use waylink_core::attribution::MatchType::{self, IdMatching, Probabilistic, Referrer};
use waylink_core::attribution::{
    Attribution, Candidates, InstallSignals, MAX_LOOKBACK_MS, PROBABILISTIC_CAP_MS, attribute,
    click_lookback, referrer_click_id,
};
use waylink_core::click::Click;
use waylink_core::clock::{DAY_MS, HOUR_MS, SECOND_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;

/// The install: 2026-11-22 16:04:50.605 UTC.
const INSTALL: i64 = 1_795_363_490_605;
const METHODS: [MatchType; 3] = [Referrer, IdMatching, Probabilistic];

fn lookback(value: &str) -> (i64, String) {
    let data = BTreeMap::from([("af_click_lookback".to_string(), value.to_string())]);
    let l = click_lookback(&data);
    (l.millis, l.text)
}

fn template(id: &str) -> TemplateId {
    TemplateId::from_stored(id.into())
}

/// An Android click on the app's template `H5hv`, `ago_ms` before the
/// install, that [`install`] matches by every method.
fn click(id: &str, ago_ms: i64) -> Click {
    Click {
        click_id: id.into(),
        at: Timestamp::from_millis(INSTALL - ago_ms),
        template_id: template("H5hv"),
        shortlink_id: Some("bananas7".into()),
        data: BTreeMap::from([("pid".to_string(), "sms".to_string())]),
        device: DeviceKind::Android,
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
        referer: None,
        advertising_id: Some("ad-1".into()),
        ip_hash: Some("ip-1".into()),
        expired: false,
    }
}

/// `click("k1", HOUR_MS)` changed by `f`.
fn changed(f: impl FnOnce(&mut Click)) -> Click {
    let mut c = click("k1", HOUR_MS);
    f(&mut c);
    c
}

fn with_lookback(mut c: Click, value: &str) -> Click {
    c.data.insert("af_click_lookback".into(), value.into());
    c
}

/// An Android install whose referrer names `k1`, with advertising id
/// `ad-1`, IP hash `ip-1`, Android 14 on a Pixel 8.
fn install() -> InstallSignals {
    InstallSignals {
        at: Timestamp::from_millis(INSTALL),
        platform: DeviceKind::Android,
        referrer_click_id: Some("k1".into()),
        advertising_id: Some("ad-1".into()),
        ip_hash: Some("ip-1".into()),
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
    }
}

fn found(referrer: Vec<Click>, advertising_id: Vec<Click>, ip: Vec<Click>) -> Candidates {
    Candidates {
        referrer,
        advertising_id,
        ip,
    }
}

/// The winning click id and method; the app uses templates `Zz99` and `H5hv`.
fn won(install: &InstallSignals, found: &Candidates) -> Option<(String, MatchType)> {
    match attribute(install, &[template("Zz99"), template("H5hv")], found) {
        Attribution::Organic => None,
        Attribution::NonOrganic {
            click, match_type, ..
        } => Some((click.click_id, match_type)),
    }
}

fn win(id: &str, method: MatchType) -> Option<(String, MatchType)> {
    Some((id.into(), method))
}

/// The method that attributes the install when `clicks` are offered to
/// `method` only.
fn through_with(install: &InstallSignals, method: MatchType, clicks: Vec<Click>) -> Option<String> {
    let f = match method {
        Referrer => found(clicks, vec![], vec![]),
        IdMatching => found(vec![], clicks, vec![]),
        Probabilistic => found(vec![], vec![], clicks),
    };
    let (id, m) = won(install, &f)?;
    assert_eq!(m, method);
    Some(id)
}

fn through(method: MatchType, c: Click) -> bool {
    through_with(&install(), method, vec![c]).is_some()
}

/// `"{value}={text}"` pairs, `|`-separated: what a link sets and how the
/// window that applies is written; its length follows from the text.
fn assert_lookbacks(table: &str) {
    for pair in table.split('|') {
        let (value, text) = pair.split_once('=').unwrap();
        let (n, unit) = text.split_at(text.len() - 1);
        let n: i64 = n.parse().unwrap();
        let millis = if unit == "d" { n * DAY_MS } else { n * HOUR_MS };
        assert_eq!(lookback(value), (millis, text.to_string()), "{value:?}");
    }
}

#[test]
fn an_absent_click_lookback_is_seven_days() {
    let l = click_lookback(&BTreeMap::new());
    assert_eq!((l.millis, l.text.as_str()), (7 * DAY_MS, "7d"));
    assert_eq!(lookback("3d"), (3 * DAY_MS, "3d".into()));
    assert_eq!(lookback("12h"), (12 * HOUR_MS, "12h".into()));
}

#[test]
fn day_and_hour_lookbacks_in_range_are_read_as_written() {
    assert_lookbacks("3d=3d|12h=12h|1d=1d|30d=30d|1h=1h|23h=23h|03d=3d| 5D =5d|2H=2h");
    assert_eq!(lookback("30d").0, MAX_LOOKBACK_MS);
}

#[test]
fn lookbacks_out_of_range_are_clamped_and_written_in_their_clamped_form() {
    assert_lookbacks("0d=1d|45d=30d|31d=30d|0h=1h|30h=23h|24h=23h|-5d=1d|-1h=1h");
}

#[test]
fn an_unreadable_lookback_is_seven_days_and_never_panics() {
    let garbage = "| |d|h|7|7w|7m|seven|3.5d|d3|3 d|é|3€|7日|😀|h😀|99999999999999999999999d";
    for value in garbage.split('|') {
        assert_eq!(lookback(value), (7 * DAY_MS, "7d".to_string()), "{value:?}");
    }
}

#[test]
fn a_matching_click_is_attributed_by_each_method_with_its_links_lookback() {
    for method in METHODS {
        assert!(through(method, click("k1", HOUR_MS)), "{method:?}");
    }
    let c = with_lookback(click("k1", DAY_MS), "3d");
    let f = found(vec![c.clone()], vec![], vec![]);
    let Attribution::NonOrganic {
        click,
        match_type,
        lookback,
    } = attribute(&install(), &[template("H5hv")], &f)
    else {
        panic!("organic");
    };
    assert_eq!((*click, match_type), (c, Referrer));
    assert_eq!(
        (lookback.millis, lookback.text.as_str()),
        (3 * DAY_MS, "3d")
    );
}

#[test]
fn only_clicks_on_templates_that_use_the_app_are_candidates() {
    let other_app = changed(|c| c.template_id = template("Othr"));
    for method in METHODS {
        assert!(!through(method, other_app.clone()), "{method:?}");
    }
}

#[test]
fn a_click_from_another_platform_is_not_a_candidate() {
    for method in METHODS {
        for device in [DeviceKind::Ios, DeviceKind::Desktop] {
            assert!(!through(method, changed(|c| c.device = device)));
        }
    }
}

#[test]
fn a_click_on_an_expired_link_is_never_attributed() {
    let expired = changed(|c| c.expired = true);
    for method in METHODS {
        assert!(!through(method, expired.clone()), "{method:?}");
    }
}

#[test]
fn a_click_at_the_install_millisecond_counts_and_one_after_it_does_not() {
    for method in METHODS {
        assert!(through(method, click("k1", 0)), "{method:?}");
        assert!(!through(method, click("k1", -1)), "{method:?}");
        assert!(!through(method, click("k1", -SECOND_MS)), "{method:?}");
    }
}

#[test]
fn a_click_exactly_at_the_lookback_boundary_counts_and_a_second_or_a_millisecond_past_does_not() {
    for method in [Referrer, IdMatching] {
        for (link, edge) in [
            (None, 7 * DAY_MS),
            (Some("30d"), MAX_LOOKBACK_MS),
            (Some("45d"), MAX_LOOKBACK_MS),
            (Some("3d"), 3 * DAY_MS),
        ] {
            let c =
                |ago| link.map_or_else(|| click("k1", ago), |v| with_lookback(click("k1", ago), v));
            assert!(through(method, c(edge)), "{method:?} {link:?}");
            assert!(!through(method, c(edge + SECOND_MS)), "{method:?} {link:?}");
            assert!(!through(method, c(edge + 1)), "{method:?} {link:?}");
        }
    }
    for method in METHODS {
        let c = |ago| with_lookback(click("k1", ago), "12h");
        assert!(through(method, c(12 * HOUR_MS)), "{method:?}");
        assert!(!through(method, c(12 * HOUR_MS + SECOND_MS)), "{method:?}");
        assert!(!through(method, c(12 * HOUR_MS + 1)), "{method:?}");
    }
}

#[test]
fn with_a_two_hour_lookback_a_three_hour_old_click_does_not_count() {
    let c = |ago| with_lookback(click("k1", ago), "2h");
    for method in METHODS {
        assert!(!through(method, c(3 * HOUR_MS)), "{method:?}");
        assert!(through(method, c(2 * HOUR_MS)), "{method:?}");
    }
}

#[test]
fn referrer_beats_id_matching_which_beats_probabilistic_even_with_later_clicks() {
    let mut i = install();
    i.referrer_click_id = Some("by-ref".into());
    let r = || vec![click("by-ref", 5 * HOUR_MS)];
    let a = || vec![click("by-ad", 3 * HOUR_MS)];
    let p = || vec![click("by-ip", HOUR_MS)];
    let none = Vec::new;
    assert_eq!(won(&i, &found(r(), a(), p())), win("by-ref", Referrer));
    assert_eq!(won(&i, &found(none(), a(), p())), win("by-ad", IdMatching));
    assert_eq!(
        won(&i, &found(none(), none(), p())),
        win("by-ip", Probabilistic)
    );
}

/// `(install's value, click's value, match)`: equal known values match,
/// and an unknown value never matches, not even another unknown one.
const EQUAL_AND_KNOWN: [(Option<&str>, Option<&str>, bool); 5] = [
    (Some("x"), Some("x"), true),
    (Some("x"), Some("y"), false),
    (Some("x"), None, false),
    (None, Some("x"), false),
    (None, None, false),
];

fn some(v: Option<&str>) -> Option<String> {
    v.map(String::from)
}

#[test]
fn id_matching_needs_equal_advertising_ids_and_none_never_matches_none() {
    for (device, clicked, same) in EQUAL_AND_KNOWN {
        let mut i = install();
        i.advertising_id = some(device);
        let c = changed(|c| c.advertising_id = some(clicked));
        let got = through_with(&i, IdMatching, vec![c]).is_some();
        assert_eq!(got, same, "{device:?} vs {clicked:?}");
    }
}

/// Whether `c` is matched probabilistically by an install changed by `f`.
fn probabilistic(f: impl FnOnce(&mut InstallSignals), c: Click) -> bool {
    let mut i = install();
    f(&mut i);
    through_with(&i, Probabilistic, vec![c]).is_some()
}

#[test]
fn probabilistic_needs_the_same_ip_hash_and_none_never_matches_none() {
    for (device, clicked, same) in EQUAL_AND_KNOWN {
        let c = changed(|c| c.ip_hash = some(clicked));
        let got = probabilistic(|i| i.ip_hash = some(device), c);
        assert_eq!(got, same, "{device:?} vs {clicked:?}");
    }
}

#[test]
fn probabilistic_needs_the_same_os_version_and_none_never_matches_none() {
    for (device, clicked, same) in EQUAL_AND_KNOWN {
        let c = changed(|c| c.os_version = some(clicked));
        let got = probabilistic(|i| i.os_version = some(device), c);
        assert_eq!(got, same, "{device:?} vs {clicked:?}");
    }
}

#[test]
fn probabilistic_compares_models_by_containment_where_both_sides_know_them() {
    for (device, clicked, same) in [
        (Some("iPhone16,1"), Some("iPhone"), true),
        (Some("iPhone"), Some("iPhone16,1"), true),
        (Some("SM-S911B"), Some("SAMSUNG SM-S911B"), true),
        (Some("SAMSUNG SM-S911B"), Some("SM-S911B"), true),
        (Some("pixel 8"), Some("Pixel 8"), true),
        (Some("Pixel 8"), Some("Pixel 7"), false),
        (Some("SM-S911B"), Some("SM-A546B"), false),
        (Some("Pixel 8"), None, true),
        (None, Some("Pixel 8"), true),
        (None, None, true),
    ] {
        let c = changed(|c| c.device_model = some(clicked));
        let got = probabilistic(|i| i.device_model = some(device), c);
        assert_eq!(got, same, "{device:?} vs {clicked:?}");
    }
}

#[test]
fn probabilistic_looks_back_24_hours_at_most_even_on_a_longer_lookback() {
    assert_eq!(PROBABILISTIC_CAP_MS, 24 * HOUR_MS);
    for link in ["7d", "3d", "30d"] {
        let c = |ago| with_lookback(click("k1", ago), link);
        assert!(probabilistic(|_| {}, c(24 * HOUR_MS)), "{link}");
        assert!(!probabilistic(|_| {}, c(24 * HOUR_MS + SECOND_MS)));
        assert!(!probabilistic(|_| {}, c(24 * HOUR_MS + 1)), "{link}");
    }
    assert!(probabilistic(|_| {}, click("k1", 24 * HOUR_MS)));
    assert!(!probabilistic(|_| {}, click("k1", 24 * HOUR_MS + 1)));
}

#[test]
fn probabilistic_uses_the_links_lookback_when_it_is_shorter_than_24_hours() {
    let c = |ago| with_lookback(click("k1", ago), "1h");
    assert!(probabilistic(|_| {}, c(HOUR_MS)));
    assert!(!probabilistic(|_| {}, c(HOUR_MS + 1)));
    assert!(!probabilistic(|_| {}, c(2 * HOUR_MS)));
}

#[test]
fn within_a_method_the_latest_click_wins() {
    let clicks =
        [("zz-old", 3), ("aa-new", 1), ("mm-mid", 2)].map(|(id, h)| click(id, h * HOUR_MS));
    for method in [IdMatching, Probabilistic] {
        let got = through_with(&install(), method, clicks.to_vec());
        assert_eq!(got.as_deref(), Some("aa-new"), "{method:?}");
    }
}

#[test]
fn ties_on_time_go_to_the_greatest_click_id_whatever_the_order() {
    let mut clicks = vec![
        click("b-tie", HOUR_MS),
        click("d-tie", HOUR_MS),
        click("a-tie", HOUR_MS),
        click("z-older", HOUR_MS + 1),
    ];
    // Every rotation, forwards and backwards: each click in every position.
    for turn in 0..8 {
        if turn == 4 {
            clicks.reverse();
        }
        clicks.rotate_left(1);
        for method in [IdMatching, Probabilistic] {
            let got = through_with(&install(), method, clicks.clone());
            assert_eq!(got.as_deref(), Some("d-tie"), "{method:?} {turn}");
        }
    }
}

#[test]
fn clicks_of_another_app_and_expired_clicks_are_ignored_even_when_later() {
    let other_app = changed(|c| (c.click_id, c.template_id) = ("other".into(), template("Othr")));
    let expired = changed(|c| (c.click_id, c.expired) = ("expired".into(), true));
    for method in [IdMatching, Probabilistic] {
        let theirs = vec![other_app.clone(), expired.clone()];
        assert_eq!(through_with(&install(), method, theirs.clone()), None);
        let clicks = [theirs, vec![click("mine", 2 * HOUR_MS)]].concat();
        let got = through_with(&install(), method, clicks);
        assert_eq!(got.as_deref(), Some("mine"), "{method:?}");
    }
}

#[test]
fn a_referrer_naming_an_unknown_or_ineligible_click_falls_through_to_the_next_method() {
    let expired = changed(|c| c.expired = true);
    let other_app = changed(|c| c.template_id = template("Othr"));
    let too_old = with_lookback(click("k1", 3 * HOUR_MS), "2h");
    let not_named = changed(|c| c.click_id = "k2".into());
    let ineligible = [not_named, expired, other_app, too_old].map(|c| vec![c]);
    for referrer in [vec![]].into_iter().chain(ineligible) {
        let f = found(referrer.clone(), vec![click("by-ad", 2 * HOUR_MS)], vec![]);
        assert_eq!(won(&install(), &f), win("by-ad", IdMatching));
        let f = found(referrer, vec![], vec![click("by-ip", 2 * HOUR_MS)]);
        assert_eq!(won(&install(), &f), win("by-ip", Probabilistic));
    }
    let mut no_referrer = install();
    no_referrer.referrer_click_id = None;
    let f = found(vec![click("k1", HOUR_MS)], vec![], vec![]);
    assert_eq!(won(&no_referrer, &f), None);
}

#[test]
fn an_install_without_a_candidate_is_organic() {
    assert_eq!(won(&install(), &Candidates::default()), None);
    let c = || vec![click("k1", HOUR_MS)];
    let f = found(c(), c(), c());
    assert_eq!(attribute(&install(), &[], &f), Attribution::Organic);
    let mut bare = install();
    bare.referrer_click_id = None;
    bare.advertising_id = None;
    bare.ip_hash = None;
    assert_eq!(won(&bare, &f), None);
}

#[test]
fn match_types_are_named_as_in_payloads_and_read_back() {
    let names = ["referrer", "id_matching", "probabilistic"];
    assert_eq!(METHODS.map(MatchType::as_str), names);
    assert_eq!(names.map(MatchType::parse), METHODS.map(Some));
    assert_eq!(MatchType::parse("Referrer"), None);
    assert_eq!(MatchType::parse(""), None);
}

#[test]
fn the_referrer_click_id_is_read_decoded_from_the_referrer_query() {
    let id = |r: &str| referrer_click_id(r);
    assert_eq!(id("waylink_click_id=abc123").as_deref(), Some("abc123"));
    let among_others = id("pid=sms&c=bananas&waylink_click_id=Xy9Z&af_sub1=x");
    assert_eq!(among_others.as_deref(), Some("Xy9Z"));
    assert_eq!(id("waylink_click_id=a%2Bb%20c").as_deref(), Some("a+b c"));
    assert_eq!(id("waylink_click_id=a+b").as_deref(), Some("a b"));
    assert_eq!(id("waylink_click_id=%C3%A9t%C3%A9").as_deref(), Some("été"));
    assert_eq!(id("utm_source=google-play&utm_medium=organic"), None);
    assert_eq!(id("click_id=abc"), None);
    assert_eq!(id(""), None);
}

#[test]
fn an_empty_or_overlong_referrer_click_id_is_ignored() {
    assert_eq!(referrer_click_id("waylink_click_id="), None);
    assert_eq!(referrer_click_id("waylink_click_id&pid=sms"), None);
    let max = "a".repeat(64);
    let at_most = referrer_click_id(&format!("waylink_click_id={max}"));
    assert_eq!(at_most, Some(max.clone()));
    assert_eq!(referrer_click_id(&format!("waylink_click_id={max}b")), None);
}
