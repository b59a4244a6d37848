//! Redirect safety of click routing with hostile input: no override of a
//! long link may send a visitor to a foreign host, run script or break a
//! header; deep links keep to the template's scheme; and the social preview
//! picks its values as the spec says.

use serde_json::{Value, json};
use waylink_core::link_data::LinkData;
use waylink_core::routing::{
    Click, DEFAULT_TITLE, Destination, LinkSource, Preview, decide, preview,
};
use waylink_core::template::Template;
use waylink_core::user_agent::DeviceKind::{self, Android, Desktop, Ios};

const ID: &str = "k7Qx2mPz";
const PLAY: &str = "https://play.google.com/store/apps/details?id=com.feedme.app&referrer=waylink_click_id%3Dk7Qx2mPz";
const APP_STORE: &str = "https://apps.apple.com/app/id1234567890";
const DESKTOP: &str = "https://feedme.example/desktop";
const FALLBACK: &str = "https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.feedme.app%26referrer%3Dwaylink_click_id%253Dk7Qx2mPz";
const OVERRIDES: [&str; 4] = ["af_r", "af_ios_url", "af_android_url", "af_web_dp"];

/// Values no long link may redirect to; each must be ignored.
#[rustfmt::skip]
const HOSTILE: &[&str] = &[
    // Schemes that run code or read local data, in any case and disguise.
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript://feedme.example/%0aalert(1)",
    " javascript:alert(1)", "java\tscript:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd", "blob:https://feedme.example/0b1c", "ftp://feedme.example/x",
    // Scheme- and host-relative forms.
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "evil.example",
    // User info that hides the real host.
    "https://grocer.test@evil.example", "https://feedme.example@evil.example",
    "https://feedme.example:443@evil.example/", "https://feedme.example%2F@evil.example/",
    "https://feedme.example%40evil.example/", "https://user:pw@feedme.example/",
    // Foreign hosts, look-alike hosts and allowed names outside the host.
    "https://evil.example", "http://evil.example/", "HTTPS://EVIL.EXAMPLE/",
    "https://feedme.example.evil.example", "https://evilfeedme.example",
    "https://apps.apple.com.evil.example/", "https://play.google.com.evil.example/",
    "https://feedme.links.test.evil.example/", "https://evil.example#.feedme.example",
    "https://evil.example?.feedme.example", "https://evil.example/.feedme.example",
    "https://evil\u{3002}example", "https://\u{ff45}vil.example",
    // Encoded and raw newlines.
    "https://evil.example%0d%0a.feedme.example/", "https://evil.example/%0d%0aSet-Cookie:%20a=b",
    "https://evil.example/\r\nSet-Cookie: a=b", "https://feedme.example\r\n.evil.example/",
    // Backslash tricks.
    "https:\\\\evil.example", "https:/\\evil.example", "https:evil.example",
    "https://evil.example\\.feedme.example", "https://evil.example\\@feedme.example",
    // Whitespace before the URL.
    " https://evil.example", "\thttps://evil.example", "\u{b}https://evil.example",
    "\u{a0}https://evil.example", "\r\nhttps://evil.example",
];

/// Allowed values that redirect as written.
const ALLOWED_AS_IS: &[&str] = &[
    "https://feedme.example/a",
    "https://shop.feedme.example/a?b=c",
    "https://a.b.feedme.example/a",
    "https://apps.apple.com/app/id1",
    "https://play.google.com/store/apps/details?id=x",
    "https://feedme.links.test/H5hv",
    "http://feedme.links.test/H5hv?x=1",
    "https://go.feedme-brand.test:8443/x",
];

/// Allowed values that redirect to their serialization.
#[rustfmt::skip]
const ALLOWED_REWRITTEN: &[(&str, &str)] = &[
    ("HTTPS://Shop.FeedMe.Example/A", "https://shop.feedme.example/A"),
    // A backslash ends the host: this lands on feedme.example.
    ("https://feedme.example\\@evil.example", "https://feedme.example/@evil.example"),
    // Surrounding whitespace is dropped.
    (" https://feedme.example/ws ", "https://feedme.example/ws"),
    // Raw newlines are dropped, encoded ones stay encoded.
    ("https://feedme.example/x\r\nSet-Cookie: a=b", "https://feedme.example/xSet-Cookie:%20a=b"),
    ("https://feedme.example/x%0d%0aSet-Cookie:%20a", "https://feedme.example/x%0d%0aSet-Cookie:%20a"),
    ("https://feedme.example/a b\"<>", "https://feedme.example/a%20b%22%3C%3E"),
];

fn template(extra: Value) -> Template {
    let mut body = json!({
        "id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app",
        "ios_app_id": "id1234567890", "uri_scheme": "feedme", "desktop_url": DESKTOP,
        "brand_domains": ["go.feedme-brand.test:8443"],
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

fn with_click<R>(
    t: &Template,
    device: DeviceKind,
    link: LinkSource<'_>,
    query: &[(&str, &str)],
    f: impl FnOnce(&Click<'_>) -> R,
) -> R {
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let own_hosts = vec![
        "feedme.links.test".to_owned(),
        "go.feedme-brand.test:8443".to_owned(),
    ];
    f(&Click {
        template: t,
        device,
        link,
        query: &query,
        click_id: Some(ID),
        own_hosts: &own_hosts,
    })
}

fn long(t: &Template, device: DeviceKind, query: &[(&str, &str)]) -> Destination {
    with_click(t, device, LinkSource::Long, query, decide)
}

fn to(url: &str) -> Destination {
    Destination::Redirect(url.to_owned())
}

/// Where a click goes with no override at all.
fn baseline(device: DeviceKind) -> Destination {
    match device {
        Android => to(PLAY),
        Ios => to(APP_STORE),
        Desktop => to(DESKTOP),
    }
}

fn assert_header_safe(destination: &Destination) {
    if let Destination::Redirect(url) = destination {
        assert!(
            !url.contains(['\r', '\n', ' ', '\t', '"', '<', '>']) && url.is_ascii(),
            "{url:?}"
        );
    }
}

#[test]
fn every_hostile_override_on_a_long_link_is_ignored_and_the_next_rule_applies_on_every_platform() {
    let t = template(json!({}));
    for value in HOSTILE {
        for key in OVERRIDES {
            for device in [Android, Ios, Desktop] {
                let got = long(&t, device, &[(key, value)]);
                assert_eq!(got, baseline(device), "{key}={value:?} on {device:?}");
            }
        }
        let q = [
            ("af_force_deeplink", "true"),
            ("af_dp", "feedme://o"),
            ("af_ios_url", value),
        ];
        let expected = opened("feedme://o", "o", "feedme").1;
        assert_eq!(long(&t, Ios, &q), expected, "{value:?} as fallback");
    }
}

#[test]
fn allowed_hosts_store_hosts_and_the_templates_own_hosts_redirect_to_the_serialized_url() {
    let t = template(json!({}));
    let as_is = ALLOWED_AS_IS.iter().map(|v| (*v, *v));
    for (value, expected) in as_is.chain(ALLOWED_REWRITTEN.iter().copied()) {
        for device in [Android, Ios, Desktop] {
            let got = long(&t, device, &[("af_r", value)]);
            assert_eq!(got, to(expected), "af_r={value:?} on {device:?}");
            assert_header_safe(&got);
        }
        assert_eq!(long(&t, Ios, &[("af_ios_url", value)]), to(expected));
        assert_eq!(long(&t, Desktop, &[("af_web_dp", value)]), to(expected));
        let sep = if expected.contains('?') { '&' } else { '?' };
        let got = long(&t, Android, &[("af_android_url", value)]);
        assert_eq!(got, to(&format!("{expected}{sep}waylink_click_id={ID}")));
        assert_header_safe(&got);
    }
}

#[test]
fn bad_schemes_are_refused_even_in_the_trusted_data_of_a_short_link() {
    let t = template(json!({}));
    // Every hostile value that does not rely on its host, and two that hide it.
    let host_free = HOSTILE.iter().filter(|v| !v.to_lowercase().contains("vil"));
    for value in host_free.chain(&["//evil.example", "https://grocer.test@evil.example"]) {
        for key in OVERRIDES {
            let data = LinkData::from_json(&json!({ key: value })).unwrap();
            for device in [Android, Ios, Desktop] {
                let got = with_click(&t, device, LinkSource::Short(&data), &[], decide);
                assert_eq!(got, baseline(device), "{key}={value:?} on {device:?}");
            }
        }
    }
}

#[test]
fn a_templates_desktop_url_is_redirected_to_in_its_serialized_form() {
    let t = template(json!({"desktop_url": " https://feedme.example/d\r\nSet-Cookie: a=b"}));
    assert_eq!(
        long(&t, Desktop, &[]),
        to("https://feedme.example/dSet-Cookie:%20a=b")
    );
}

/// Routes a forced deep link on Android and iOS.
fn forced(t: &Template, af_dp: &str) -> (Destination, Destination) {
    let q = [("af_force_deeplink", "true"), ("af_dp", af_dp)];
    (long(t, Android, &q), long(t, Ios, &q))
}

fn opened(deep_link: &str, intent_rest: &str, scheme: &str) -> (Destination, Destination) {
    (
        to(&format!(
            "intent://{intent_rest}#Intent;scheme={scheme};package=com.feedme.app;S.browser_fallback_url={FALLBACK};end"
        )),
        Destination::OpenAppPage {
            deep_link: deep_link.to_owned(),
            fallback: APP_STORE.to_owned(),
        },
    )
}

#[test]
fn a_deep_link_must_use_the_templates_uri_scheme_in_any_case() {
    let ignored = (to(PLAY), to(APP_STORE));
    let t = template(json!({}));
    assert_eq!(
        forced(&t, "FeedMe://Offers"),
        opened("feedme://Offers", "Offers", "feedme")
    );
    for other in [
        "other://x",
        "feedm://x",
        "feedme-x://x",
        "feedme.evil://x",
        "xfeedme://x",
    ] {
        assert_eq!(forced(&t, other), ignored, "{other}");
    }
    let upper = template(json!({"uri_scheme": "FeedMe"}));
    assert_eq!(
        forced(&upper, "FEEDME://x"),
        opened("feedme://x", "x", "feedme")
    );
    let none = template(json!({"uri_scheme": null}));
    assert_eq!(
        forced(&none, "otherapp://x"),
        opened("otherapp://x", "x", "otherapp")
    );
}

#[test]
fn dangerous_deep_link_schemes_are_refused_in_any_case_with_or_without_a_uri_scheme() {
    let ignored = (to(PLAY), to(APP_STORE));
    for t in [template(json!({})), template(json!({"uri_scheme": null}))] {
        let mut values: Vec<String> = [
            "JaVaScRiPt://x%0aalert(1)",
            " javascript:alert(1)",
            "java\nscript:alert(1)",
            "javascript%3Aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "feedme://a\r\nb",
            "feedme://a\u{0}b",
        ]
        .map(String::from)
        .to_vec();
        for s in ["javascript", "data", "vbscript", "file", "blob", "about"] {
            let capital = s[..1].to_ascii_uppercase() + &s[1..];
            for scheme in [s.to_owned(), s.to_ascii_uppercase(), capital] {
                values.push(format!("{scheme}:alert(1)"));
            }
        }
        for af_dp in &values {
            assert_eq!(forced(&t, af_dp), ignored, "{af_dp:?} {:?}", t.uri_scheme);
        }
    }
}

#[test]
fn a_web_url_as_the_deep_link_of_a_long_link_must_pass_the_redirect_allowlist() {
    let t = template(json!({"uri_scheme": null}));
    for af_dp in [
        "https://evil.example/phish",
        "HTTP://evil.example/",
        "https://grocer.test@evil.example/",
    ] {
        assert_eq!(forced(&t, af_dp), (to(PLAY), to(APP_STORE)), "{af_dp}");
    }
    assert_eq!(
        forced(&t, "https://feedme.example/open"),
        opened(
            "https://feedme.example/open",
            "feedme.example/open",
            "https"
        )
    );
    let data = LinkData::from_json(&json!({
        "af_force_deeplink": "true", "af_dp": "https://universal.example/open",
    }))
    .unwrap();
    assert_eq!(
        with_click(&t, Ios, LinkSource::Short(&data), &[], decide),
        Destination::OpenAppPage {
            deep_link: "https://universal.example/open".to_owned(),
            fallback: APP_STORE.to_owned(),
        }
    );
}

#[test]
fn markup_in_a_deep_link_is_percent_encoded_in_the_page_link_and_the_intent() {
    let t = template(json!({}));
    assert_eq!(
        forced(&t, "feedme://x\"><script>alert(1)</script>"),
        opened(
            "feedme://x%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
            "x%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
            "feedme"
        )
    );
    assert_eq!(
        forced(&t, "feedme://q?a='b'&c=`d`\\ grüne"),
        opened(
            "feedme://q?a=%27b%27&c=%60d%60%5C%20gr%C3%BCne",
            "q?a=%27b%27&c=%60d%60%5C%20gr%C3%BCne",
            "feedme"
        )
    );
}

#[test]
fn a_fragment_in_the_deep_link_cannot_add_intent_extras() {
    let t = template(json!({}));
    let (android, _) = forced(
        &t,
        "feedme://x#Intent;scheme=https;package=evil.app;S.browser_fallback_url=https%3A%2F%2Fevil.example;end",
    );
    let rest = "x%23Intent;scheme=https;package=evil.app;S.browser_fallback_url=https%3A%2F%2Fevil.example;end";
    assert_eq!(android, opened("unused", rest, "feedme").0);
    let Destination::Redirect(url) = android else {
        panic!("an intent");
    };
    assert_eq!(url.matches('#').count(), 1, "{url}");
}

fn preview_of(t: &Template, link: LinkSource<'_>, query: &[(&str, &str)]) -> Preview {
    with_click(t, Desktop, link, query, preview)
}

fn pv(title: &str, description: Option<&str>, image: Option<&str>) -> Preview {
    Preview {
        title: title.to_owned(),
        description: description.map(str::to_owned),
        image: image.map(str::to_owned),
    }
}

fn og_template() -> Template {
    template(json!({
        "og_title": "Bananas", "og_description": "Cheap bananas",
        "og_image": "https://feedme.example/b.png",
    }))
}

#[test]
fn af_og_values_win_over_the_templates_defaults() {
    let q = [
        ("af_og_title", "Apples"),
        ("af_og_description", "Fresh apples"),
        ("af_og_image", "https://cdn.elsewhere.example/a.png"),
    ];
    assert_eq!(
        preview_of(&og_template(), LinkSource::Long, &q),
        pv(
            "Apples",
            Some("Fresh apples"),
            Some("https://cdn.elsewhere.example/a.png")
        )
    );
    let data = LinkData::from_json(&json!({"af_og_title": "Stored", "af_og_description": "Kept"}))
        .unwrap();
    assert_eq!(
        preview_of(
            &og_template(),
            LinkSource::Short(&data),
            &[("af_og_title", "Query")]
        ),
        pv("Query", Some("Kept"), Some("https://feedme.example/b.png"))
    );
}

#[test]
fn the_templates_defaults_apply_and_the_default_title_when_neither_has_one() {
    for link in [LinkSource::Long, LinkSource::Missing] {
        assert_eq!(
            preview_of(&og_template(), link, &[]),
            pv(
                "Bananas",
                Some("Cheap bananas"),
                Some("https://feedme.example/b.png")
            )
        );
        assert_eq!(
            preview_of(&template(json!({})), link, &[]),
            pv(DEFAULT_TITLE, None, None)
        );
    }
    assert_eq!(DEFAULT_TITLE, "Open in the app");
}

#[test]
fn an_og_image_is_only_taken_as_an_http_or_https_url() {
    let t = template(json!({}));
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example/x.png",
        "x.png",
    ] {
        let p = preview_of(&t, LinkSource::Long, &[("af_og_image", bad)]);
        assert_eq!(p.image, None, "{bad:?}");
    }
    let p = preview_of(
        &t,
        LinkSource::Long,
        &[("af_og_image", " http://img.example/a b.png")],
    );
    assert_eq!(p.image.as_deref(), Some("http://img.example/a%20b.png"));
}

#[test]
fn markup_in_af_og_values_is_passed_through_raw_for_the_page_to_escape() {
    let title = "\"><script>alert(1)</script>";
    let description = "</title><img src=x onerror=alert('x')> & \u{1F34C}";
    let q = [("af_og_title", title), ("af_og_description", description)];
    let p = preview_of(&og_template(), LinkSource::Long, &q);
    assert_eq!(p.title, title);
    assert_eq!(p.description.as_deref(), Some(description));
}
