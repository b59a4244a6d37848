//! Property tests of every parser of client input in the core: none panics
//! on any input, what they accept keeps to the documented limits, valid
//! inputs are accepted, and link data round-trips byte for byte.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use waylink_core::DomainError;
use waylink_core::app::{App, Platform};
use waylink_core::clock::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, parse_clock_step};
use waylink_core::ids::{RESERVED_TEMPLATE_IDS, ShortlinkId, TemplateId};
use waylink_core::keys::key_from_authorization;
use waylink_core::link_data::{LinkData, MAX_QUERY_CHARS};
use waylink_core::template::{Template, host_name};
use waylink_core::ttl::{ApiVersion, DEFAULT_TTL_SECS, Ttl, V2_MAX_TTL_SECS};

const DAY: i64 = 86_400;

/// Characters that break naive encoders and parsers.
const TRICKY: &[char] = &[
    '%', '&', '=', '+', '"', '\'', '\\', '\n', '\r', '\t', '\0', '#', '?', '/', ' ', ':', ';', '.',
    '-', '_', 'é', 'ß', '€', '😀', '\u{200b}', '\u{feff}', '\u{7f}', '\u{1b}', 'Z', '0', '9', 'd',
    'h', 'm', 's',
];

/// Any text: arbitrary Unicode scalars including control characters,
/// near-valid ASCII, or a mix of the tricky characters.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..48).prop_map(String::from_iter),
        "[0-9a-zA-Z_ .:%&=+\\-]{0,32}",
        prop::collection::vec(prop::sample::select(TRICKY), 0..32).prop_map(String::from_iter),
    ]
}

/// Field names of the request bodies, `|`-separated.
const FIELDS: &str = "data|ttl|shortlink_id|brand_domain|renew_ttl|platform|app_id|\
    sha256_cert_fingerprints|bundle_id|team_id|id|subdomain|android_app_id|ios_app_id|uri_scheme|\
    desktop_url|brand_domains|allowed_redirect_domains|og_title|og_description|og_image|pid|c";

/// Plausible values for those fields, to get past the first checks.
const PLAUSIBLE: &str = "android|ios|com.feedme.app|id1234567890|ABCDE12345|H5hv|admin|feedme|\
    https://feedme.example/|javascript:alert(1)|go.feedme.example|go.feedme.example:8080|14d|10m|\
    -1|1.5|";

fn words(list: &'static str) -> Vec<&'static str> {
    list.split('|').collect()
}

/// Field names, mixed with arbitrary names.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(words(FIELDS)).prop_map(str::to_owned),
        1 => any_text(),
    ]
}

/// Any JSON value, up to a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any_text().prop_map(Value::String),
        prop::sample::select(words(PLAUSIBLE)).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object made of the known fields with any values: a request body
/// that gets deep into validation.
fn any_body() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(field_name(), any_json(), 0..10)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn cap(version: ApiVersion) -> i64 {
    match version {
        ApiVersion::V1 => DEFAULT_TTL_SECS,
        ApiVersion::V2 => V2_MAX_TTL_SECS,
    }
}

fn assert_ttl_outcome(outcome: Result<Ttl, DomainError>, version: ApiVersion, shown: &str) {
    match outcome {
        Ok(ttl) => {
            assert!(ttl.seconds() > 0, "{shown}: {ttl:?}");
            assert!(ttl.seconds() <= cap(version), "{shown}: {ttl:?}");
        }
        Err(DomainError::Invalid { parameter, message }) => {
            assert_eq!(parameter, "ttl", "{shown}");
            assert!(message.contains("\"10m\""), "{shown}: {message}");
        }
        Err(other) => panic!("{shown}: unexpected {other:?}"),
    }
}

/// What `n` units of `unit_secs` become in `version`.
fn expected_ttl(n: u64, unit_secs: i64, version: ApiVersion) -> i64 {
    let secs = n as i64 * unit_secs;
    match version {
        ApiVersion::V1 => secs.min(DEFAULT_TTL_SECS),
        ApiVersion::V2 if secs > V2_MAX_TTL_SECS => DEFAULT_TTL_SECS,
        ApiVersion::V2 => secs,
    }
}

const VERSIONS: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::V2];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_ttl_text_is_refused_or_accepted_within_the_caps(text in any_text()) {
        for version in VERSIONS {
            assert_ttl_outcome(Ttl::parse(&text, version), version, &format!("{text:?}"));
        }
    }

    #[test]
    fn any_json_ttl_is_refused_or_accepted_within_the_caps(value in any_json()) {
        for version in VERSIONS {
            assert_ttl_outcome(Ttl::from_json(Some(&value), version), version, &value.to_string());
        }
    }

    #[test]
    fn a_ttl_of_n_minutes_hours_or_days_is_accepted_and_capped_per_version(
        n in 1u64..10_000,
        unit in prop::sample::select(&[("m", 60i64), ("h", 3_600), ("d", DAY), ("", DAY)][..]),
    ) {
        let text = format!("{n}{}", unit.0);
        for version in VERSIONS {
            let ttl = Ttl::parse(&text, version).map(Ttl::seconds);
            prop_assert_eq!(ttl, Ok(expected_ttl(n, unit.1, version)), "{}", text);
            let json = Ttl::from_json(Some(&json!(text)), version).map(Ttl::seconds);
            prop_assert_eq!(json, Ok(expected_ttl(n, unit.1, version)));
        }
    }

    #[test]
    fn a_json_number_ttl_is_that_many_days(n in 1u64..10_000) {
        for version in VERSIONS {
            let ttl = Ttl::from_json(Some(&json!(n)), version).map(Ttl::seconds);
            prop_assert_eq!(ttl, Ok(expected_ttl(n, DAY, version)));
        }
    }

    #[test]
    fn zero_and_negative_ttls_are_refused(
        n in 0u64..u64::MAX,
        zeros in 1usize..5,
        unit in prop::sample::select(&["m", "h", "d", ""][..]),
    ) {
        for version in VERSIONS {
            let negative = format!("-{n}{unit}");
            let zero = format!("{}{unit}", "0".repeat(zeros));
            prop_assert!(Ttl::parse(&negative, version).is_err());
            prop_assert!(Ttl::parse(&zero, version).is_err());
            prop_assert!(Ttl::from_json(Some(&json!(0)), version).is_err());
            if let Ok(negative) = i64::try_from(n) {
                prop_assert!(Ttl::from_json(Some(&json!(-negative - 1)), version).is_err());
            }
        }
    }

    #[test]
    fn any_shortlink_id_text_is_accepted_only_when_it_keeps_to_the_alphabet(text in any_text()) {
        let valid = (1..=50).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        match ShortlinkId::parse(&text) {
            Ok(id) => prop_assert!(valid && id.as_str() == text),
            Err(_) => prop_assert!(!valid),
        }
    }

    #[test]
    fn every_shortlink_id_of_the_alphabet_is_accepted(text in "[A-Za-z0-9_-]{1,50}") {
        prop_assert_eq!(ShortlinkId::parse(&text).map(|id| id.as_str().to_owned()), Ok(text));
    }

    #[test]
    fn any_template_id_text_is_accepted_only_when_valid_and_not_reserved(text in any_text()) {
        let valid = (4..=8).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric())
            && !RESERVED_TEMPLATE_IDS.iter().any(|w| w.eq_ignore_ascii_case(&text));
        prop_assert_eq!(TemplateId::parse(&text).is_ok(), valid);
    }

    #[test]
    fn every_unreserved_template_id_of_four_to_eight_alphanumerics_is_accepted(
        text in "[A-Za-z0-9]{4,8}",
    ) {
        let reserved = RESERVED_TEMPLATE_IDS.iter().any(|w| w.eq_ignore_ascii_case(&text));
        prop_assert_eq!(TemplateId::parse(&text).is_ok(), !reserved);
    }

    #[test]
    fn any_json_as_link_data_is_refused_or_a_valid_flat_map(value in any_json()) {
        if let Ok(data) = LinkData::from_json(&value) {
            prop_assert!(value.is_object());
            prop_assert!(data.to_query_string().len() <= MAX_QUERY_CHARS);
            prop_assert!(data.as_map().keys().all(|k| (1..=100).contains(&k.chars().count())));
        }
    }

    #[test]
    fn any_clock_step_is_refused_or_a_positive_step_of_at_most_ten_thousand_years(
        text in any_text(),
    ) {
        if let Ok(ms) = parse_clock_step(&text) {
            prop_assert!(ms > 0 && ms <= 10_000 * 365 * DAY_MS, "{:?}: {}", text, ms);
        }
    }

    #[test]
    fn a_clock_step_of_n_units_is_n_times_the_unit(
        n in 1i64..100_000,
        unit in prop::sample::select(
            &[("s", SECOND_MS), ("m", MINUTE_MS), ("h", HOUR_MS), ("d", DAY_MS)][..],
        ),
    ) {
        prop_assert_eq!(parse_clock_step(&format!("{n}{}", unit.0)), Ok(n * unit.1));
    }

    #[test]
    fn any_authorization_header_gives_no_key_or_a_trimmed_part_of_it(text in any_text()) {
        if let Some(key) = key_from_authorization(&text) {
            prop_assert!(!key.is_empty());
            prop_assert_eq!(key, key.trim());
            prop_assert!(text.contains(key));
        }
    }

    #[test]
    fn a_key_is_read_bare_or_after_bearer_in_any_case(
        key in "wl_(live|sdk)_[A-Za-z0-9]{32}",
        scheme in "[bB][eE][aA][rR][eE][rR]",
        spaces in " {1,3}",
    ) {
        prop_assert_eq!(key_from_authorization(&key), Some(key.as_str()));
        let header = format!("{spaces}{scheme}{spaces}{key}{spaces}");
        prop_assert_eq!(key_from_authorization(&header), Some(key.as_str()));
    }

    #[test]
    fn any_host_name_is_refused_or_lower_case_and_stable(
        text in prop_oneof![
            any_text(),
            "[a-zA-Z0-9.:+\\-]{0,24}",
            "[a-zA-Z]{1,5}\\.[a-zA-Z]{2,4}:[+ -]?[0-9]{1,5}",
        ],
        allow_port in any::<bool>(),
    ) {
        if let Some(host) = host_name(&text, allow_port) {
            prop_assert_eq!(host.clone(), host.to_ascii_lowercase());
            prop_assert_eq!(host_name(&host, allow_port), Some(host.clone()));
            match host.rsplit_once(':') {
                Some((_, port)) => {
                    prop_assert!(allow_port);
                    prop_assert!(port.bytes().all(|b| b.is_ascii_digit()), "{:?}", host);
                }
                None => prop_assert!(host.contains('.')),
            }
        }
    }

    #[test]
    fn every_dotted_name_of_dns_labels_is_a_host_name(
        labels in prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 2..5),
        port in prop::option::of(1u16..),
    ) {
        let name = labels.join(".");
        let text = match port {
            Some(p) => format!("{name}:{p}"),
            None => name.clone(),
        };
        let expected = text.to_ascii_lowercase();
        prop_assert_eq!(host_name(&text, true), Some(expected));
        prop_assert_eq!(host_name(&name, false), Some(name.to_ascii_lowercase()));
    }

    #[test]
    fn any_json_body_of_an_app_is_refused_or_a_valid_app(body in prop_oneof![any_json(), any_body()]) {
        if let Ok(app) = App::from_create_body(body.clone()) {
            match app.platform {
                Platform::Android => prop_assert!(app.app_id.contains('.')),
                Platform::Ios => prop_assert!(app.app_id.starts_with("id")),
            }
        }
    }

    #[test]
    fn every_well_formed_android_app_is_accepted_with_upper_case_fingerprints(
        package in "[a-zA-Z][a-zA-Z0-9_]{0,8}(\\.[a-zA-Z][a-zA-Z0-9_]{0,8}){1,4}",
        prints in prop::collection::vec(prop::array::uniform32(any::<u8>()), 0..4),
        lower in any::<bool>(),
    ) {
        let texts: Vec<String> = prints
            .iter()
            .map(|p| {
                let hex: Vec<String> = p.iter().map(|b| format!("{b:02X}")).collect();
                let text = hex.join(":");
                if lower { text.to_ascii_lowercase() } else { text }
            })
            .collect();
        let body = json!({"platform": "android", "app_id": package, "sha256_cert_fingerprints": texts});
        let app = App::from_create_body(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(app.app_id, package);
        let upper: Vec<String> = texts.iter().map(|t| t.to_ascii_uppercase()).collect();
        prop_assert_eq!(app.sha256_cert_fingerprints, upper);
    }

    #[test]
    fn every_well_formed_ios_app_is_accepted(
        store_id in "[0-9]{1,15}",
        bundle in "[a-zA-Z0-9.-]{1,60}",
        team in "[A-Z0-9]{10}",
    ) {
        let body = json!({"platform": "ios", "app_id": format!("id{store_id}"), "bundle_id": bundle, "team_id": team});
        prop_assert!(App::from_create_body(body).is_ok());
    }

    #[test]
    fn any_json_body_of_a_template_is_refused_or_a_valid_template(
        body in prop_oneof![any_json(), any_body()],
    ) {
        if let Ok(t) = Template::from_create_body(body.clone()) {
            prop_assert!(TemplateId::parse(t.id.as_str()).is_ok());
            prop_assert!(t.android_app_id.is_some() || t.ios_app_id.is_some());
            prop_assert!(t.brand_domains.iter().all(|d| host_name(d, true).as_ref() == Some(d)));
        }
    }

    #[test]
    fn every_well_formed_template_is_accepted(
        id in prop::option::of("[A-Za-z0-9]{4,8}"),
        subdomain in "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?",
        brand in "[a-z]{1,10}\\.[a-z]{2,6}",
        scheme in "[a-z][a-z0-9+.-]{0,10}",
    ) {
        let reserved = id.as_deref().is_some_and(|id| TemplateId::parse(id).is_err());
        let forbidden = ["javascript", "vbscript", "data", "file", "blob", "about", "http", "https"].contains(&scheme.as_str());
        prop_assume!(!reserved && !forbidden);
        let mut body = json!({"subdomain": subdomain, "android_app_id": "com.feedme.app",
            "uri_scheme": scheme, "brand_domains": [brand], "desktop_url": "https://feedme.example/"});
        if let Some(id) = &id {
            body["id"] = json!(id);
        }
        let t = Template::from_create_body(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(t.subdomain, subdomain.to_ascii_lowercase());
        if let Some(id) = id {
            prop_assert_eq!(t.id.as_str(), id);
        }
    }
}

/// Keys of 1 to 100 characters, often short, sometimes `pid` or `c`.
fn data_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pid".to_owned()),
        Just("c".to_owned()),
        "[a-z_]{1,12}",
        prop::collection::vec(prop::sample::select(TRICKY), 1..=20).prop_map(String::from_iter),
        prop::collection::vec(any::<char>(), 1..=100).prop_map(String::from_iter),
    ]
}

/// Values with Unicode, `%`, `&`, `=`, `+`, quotes and newlines.
fn data_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{0,20}",
        prop::collection::vec(prop::sample::select(TRICKY), 0..60).prop_map(String::from_iter),
        prop::collection::vec(any::<char>(), 0..80).prop_map(String::from_iter),
        "%[0-9A-Fa-fZz]{2}(%[0-9A-Fa-f]{2}){0,5}",
        prop::collection::vec(prop::sample::select(TRICKY), 100..700).prop_map(String::from_iter),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn link_data_round_trips_byte_for_byte_through_json(
        map in prop::collection::btree_map(data_key(), data_value(), 0..8),
    ) {
        let sent = serde_json::to_string(&map).unwrap();
        let value: Value = serde_json::from_str(&sent).unwrap();
        let query_len = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(map.iter())
            .finish()
            .len();
        let too_long = |key: &str, limit: usize| map.get(key).is_some_and(|v| v.chars().count() > limit);
        match LinkData::from_json(&value) {
            Ok(data) => {
                prop_assert!(query_len <= MAX_QUERY_CHARS);
                prop_assert!(!too_long("pid", 150) && !too_long("c", 100));
                prop_assert_eq!(data.as_map(), &map);
                let stored = serde_json::to_string(&data).unwrap();
                prop_assert_eq!(&stored, &sent);
                let again: LinkData = serde_json::from_str(&stored).unwrap();
                prop_assert_eq!(serde_json::to_string(&again).unwrap(), sent);
                let reparsed = LinkData::from_json(&serde_json::from_str::<Value>(&stored).unwrap());
                prop_assert_eq!(reparsed, Ok(data));
            }
            Err(DomainError::Invalid { parameter, .. }) => {
                prop_assert!(too_long("pid", 150) || too_long("c", 100), "{}", parameter);
            }
            Err(DomainError::DataLimit { .. }) => prop_assert!(query_len > MAX_QUERY_CHARS),
        }
    }

    #[test]
    fn numbers_and_booleans_in_link_data_become_their_json_text(
        n in any::<i64>(),
        f in -1e12f64..1e12,
        b in any::<bool>(),
    ) {
        let value = json!({"n": n, "f": f, "b": b});
        let data = LinkData::from_json(&value).unwrap();
        prop_assert_eq!(data.get("n").map(str::to_owned), Some(n.to_string()));
        prop_assert_eq!(data.get("f").map(str::to_owned), Some(value["f"].to_string()));
        prop_assert_eq!(data.get("b").map(str::to_owned), Some(b.to_string()));
    }
}

#[test]
fn link_data_at_the_query_string_limit_is_accepted_and_one_more_character_is_not() {
    let mut map = BTreeMap::new();
    map.insert("k".to_owned(), "%".repeat(682)); // "k=" + 682 * "%25" = 2048
    assert!(LinkData::from_map(map.clone()).is_ok());
    map.insert("k".to_owned(), format!("{}a", "%".repeat(682)));
    assert!(matches!(
        LinkData::from_map(map),
        Err(DomainError::DataLimit { .. })
    ));
}

#[test]
fn a_port_with_a_sign_is_not_a_port() {
    // u16::from_str takes "+80"; a host name's port must be digits only.
    assert_eq!(host_name("go.feedme.example:+80", true), None);
    assert_eq!(host_name("go.feedme.example:-80", true), None);
    assert_eq!(
        host_name("go.feedme.example:80", true).as_deref(),
        Some("go.feedme.example:80")
    );
}
