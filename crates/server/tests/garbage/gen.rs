//! The generator of malformed requests: a seeded xorshift and what it
//! draws from. Word lists are `|`-separated to keep them short. The
//! dashboard's cookies, forms and uploads are drawn in `dashboard.rs`.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use waylink_test_utils::ADMIN_TOKEN;

pub use crate::rng::Rng;

/// Every route of `routes/mod.rs` and `dashboard/mod.rs`, with its
/// methods; placeholders as there.
pub const ROUTES: &[(&str, &str)] = &[
    ("/health", "GET"),
    ("/admin/v1/accounts", "POST|GET"),
    ("/admin/v1/accounts/{id}", "GET|PATCH"),
    ("/admin/v1/accounts/{id}/keys", "POST|GET"),
    ("/admin/v1/accounts/{id}/keys/{key_id}", "DELETE"),
    ("/admin/v1/clock/advance", "POST"),
    ("/api/v1/apps", "POST|GET"),
    ("/api/v1/apps/{app_id}", "GET|PATCH|DELETE"),
    ("/api/v1/templates", "POST|GET"),
    ("/api/v1/templates/{id}", "GET|PATCH|DELETE"),
    ("/api/v1/templates/{id}/links", "GET"),
    ("/api/v1/templates/{id}/links:batch", "POST"),
    ("/api/v1/templates/{id}/stats", "GET"),
    ("/api/v1/templates/{id}/links/{sid}/stats", "GET"),
    ("/sdk/v1/launch", "POST"),
    ("/sdk/v1/open", "POST"),
    ("/shortlink-sdk/v2/{tid}", "GET"),
    ("/shortlink/v1/{tid}", "POST|GET|PUT|DELETE"),
    ("/api/v2.0/shortlinks/{tid}", "POST"),
    ("/api/v2.0/shortlinks/{tid}/{sid}", "GET|PUT|DELETE"),
    ("/api/v2.0/shortlinks/{tid}/{sid}/qr", "GET"),
    ("/api/v2.0/shortlinks-quota", "GET"),
    ("/metrics", "GET"),
    ("/ready", "GET"),
    ("/.well-known/apple-app-site-association", "GET"),
    ("/apple-app-site-association", "GET"),
    ("/.well-known/assetlinks.json", "GET"),
    ("/{tid}", "GET|HEAD"),
    ("/{tid}/", "GET|HEAD"),
    ("/{tid}/{sid}", "GET|HEAD"),
    ("/dashboard", "GET"),
    ("/dashboard/", "GET"),
    ("/dashboard/assets/{file}", "GET"),
    ("/dashboard/sign-in", "GET|POST"),
    ("/dashboard/sign-out", "POST"),
    ("/dashboard/templates", "GET|POST"),
    ("/dashboard/templates/new", "GET"),
    ("/dashboard/templates/{tid}", "POST"),
    ("/dashboard/templates/{tid}/edit", "GET"),
    ("/dashboard/templates/{tid}/links", "GET|POST"),
    ("/dashboard/templates/{tid}/links/new", "GET"),
    ("/dashboard/templates/{tid}/links/{sid}", "GET|POST"),
    ("/dashboard/templates/{tid}/links/{sid}/delete", "POST"),
    ("/dashboard/templates/{tid}/links/{sid}/{file}", "GET"),
    ("/dashboard/templates/{tid}/stats", "GET"),
    ("/dashboard/templates/{tid}/stats.csv", "GET"),
    ("/dashboard/templates/{tid}/bulk", "GET|POST"),
    (
        "/dashboard/{*rest}",
        "GET|POST|PUT|DELETE|PATCH|OPTIONS|FOO",
    ),
];
/// The share of requests, in percent, that go to the dashboard.
const DASHBOARD_SHARE: u64 = 35;
const OTHER_METHODS: &str = "HEAD|OPTIONS|PATCH|PUT|TRACE|FOO|get";
pub const TID: &str = "Gbg1";
pub const SID: &str = "known1";
pub const APP: &str = "com.garbage.app";
/// The template the dashboard's destructive forms (edit a template,
/// delete a link) aim at, so that `TID` and `SID` stay as they are.
pub const DECOY: &str = "Dsh1";

/// What the requests aim at: the account's key, and a sacrificial
/// account the operator routes may change at will.
#[derive(Clone)]
pub struct Target {
    pub api_key: String,
    pub account_id: String,
    pub victim_id: String,
    /// The dashboard session of the account: cookie value, CSRF token.
    pub session: String,
    pub csrf: String,
}

const SEGMENTS: &str = "%ZZ|%C3%28|%|%%|%00|%2F|%2e%2e|%FF%FE%FD|%E2%82|%u0041|ü😀|..|.|a b|\
    '; DROP TABLE links;--|%7B%7D|links:batch|\u{202e}|admin|id1234567890|H5hv|-|_|%20|%0A%0D";

fn segment(rng: &mut Rng, real: &str) -> String {
    match rng.below(10) {
        0..=3 => real.to_owned(),
        4 | 5 => rng.word(SEGMENTS).to_owned(),
        6 => "x".repeat(rng.of(&[51, 300, 5000])),
        7 => format!("{real}{}", rng.word(SEGMENTS)),
        8 => rng.bytes(12).iter().map(|b| format!("%{b:02X}")).collect(),
        _ => rng.text(8),
    }
}

const QUERIES: &str = "id=known1|id=|id=%ZZ|id=%C3%28|id=known1&id=x|&&&==&|size=50|size=3001|\
    size=-1|size=18446744073709551616|format=gif|format=svg&size=abc|format=svg|limit=0|\
    limit=1001|limit=%FF|limit=5|cursor=!!|cursor=MTIzOmFiYw|cursor=LTkyMjMzNzIwMzY4NTQ3NzU4MDg6eA|\
    cursor=OTIyMzM3MjAzNjg1NDc3NTgwNzo|cursor=Ojo6Og|cursor=__79|\
    cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk6eA|pid=%00&c=%ZZ|pid=sms|id=%00|id=ü|%=%|id=known1%23x";

/// Queries of clicks: hostile overrides, deep links and ad-network macros.
const CLICK_QUERIES: &[&str] = &[
    "af_r=javascript:alert(1)",
    "af_r=https%3A%2F%2Fevil.example%2F",
    "af_r=https://apps.apple.com@evil.example/",
    "af_r=%2F%2Fevil.example",
    "af_r=https://go.garbage.example/%0d%0aSet-Cookie:%20a=b",
    "af_force_deeplink=true&af_dp=garbage%3A%2F%2Fx%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "af_force_deeplink=TRUE&af_dp=javascript:alert(1)",
    "af_force_deeplink=true&af_dp=garbage:%FF%FE%00",
    "af_force_deeplink=true&af_dp=https://evil.example/",
    "af_force_deeplink=true&af_dp=:",
    "af_android_url=https://a.example/%0d%0a&pid=x",
    "af_ios_url=data:text/html,x",
    "af_web_dp=http://[::1",
    "af_og_title=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&af_og_image=javascript:x",
    "af_og_description=%3C%2Ftitle%3E&af_og_image=https://%00",
    "idfa=&gaid=&advertising_id=",
    "pid=%ZZ&c=%C3%28&af_sub1=%00",
    "waylink_click_id=forged&referrer=x",
];

fn query(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| match rng.below(8) {
            0 => format!("q={}", rng.text(10)),
            1 => rng.bytes(10).iter().map(|b| format!("%{b:02x}")).collect(),
            2 => format!("a={}", "b".repeat(4000)),
            3 | 4 => rng.of(CLICK_QUERIES).to_owned(),
            5 => format!("advertising_id={}", "9".repeat(rng.of(&[36, 101, 3000]))),
            _ => rng.word(QUERIES).to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub const STRINGS: &str = "14d|10m|0|-1d|731d|1.5|99999999999999999999d|31d|1s|0d|3650000d|android|\
    ios|sms|known1|Gbg1|go.garbage.example|garbage|com.garbage.app|https://feedme.example/|\
    javascript:alert(1)|id1234567890|ABCDE12345";

/// A JSON value of the kind a confused or hostile client sends.
fn wild(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 12 } else { 15 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.of(&[0i64, -1, i64::MIN, i64::MAX])),
        3 => json!(u64::MAX),
        4 => json!(rng.of(&[1.5f64, 1e308, -1e308, 5e-324, -0.0])),
        5 => json!(""),
        6 => json!(rng.text(12)),
        7 => json!("x".repeat(3000)),
        8 | 9 => json!(rng.word(STRINGS)),
        10 => json!({"pid": "sms", "c": rng.text(5)}),
        11 => json!(["go.garbage.example", rng.text(6)]),
        12 => Value::Array((0..rng.below(5)).map(|_| wild(rng, depth - 1)).collect()),
        _ => {
            let n = rng.below(5);
            Value::Object((0..n).map(|_| (field(rng), wild(rng, depth - 1))).collect())
        }
    }
}

const FIELDS: &str = "data|ttl|shortlink_id|brand_domain|renew_ttl|platform|app_id|\
    sha256_cert_fingerprints|bundle_id|team_id|id|subdomain|android_app_id|ios_app_id|uri_scheme|\
    desktop_url|brand_domains|allowed_redirect_domains|og_title|og_description|og_image|name|\
    daily_quota|rate_limit|by|pid|";

fn field(rng: &mut Rng) -> String {
    if rng.chance(80) {
        rng.word(FIELDS).to_owned()
    } else {
        rng.text(6)
    }
}

const ODD_JSON: &[&str] = &[
    r#"{"data":{"pid":"sms"},"ttl":1e400}"#,
    r#"{"data":{"n":123456789012345678901234567890123456789012345678901234567890}}"#,
    r#"{"data":{"pid":"sms"},"ttl":-0}"#,
    r#"{"data":{"pid":"sms"},"ttl":1e-400}"#,
    r#"{"daily_quota":1e30,"name":"x"}"#,
    r#"{"data":{"pid":"\ud800"}}"#,
    r#"{"data":{"pid":"\x41"}}"#,
    "\u{feff}{\"data\":{\"pid\":\"sms\"}}",
    r#"{"data":{"pid":"sms"}}{}"#,
    r#"{"data":{"pid":"sms"},"data":{"c":"x"}}"#,
];

/// A body: malformed JSON in all its forms, or none.
pub fn body(rng: &mut Rng, big_left: &mut usize) -> Option<Vec<u8>> {
    let object = |rng: &mut Rng| {
        let n = 1 + rng.below(6);
        Value::Object((0..n).map(|_| (field(rng), wild(rng, 3))).collect())
    };
    Some(match rng.below(15) {
        0 => return None,
        1 => Vec::new(),
        2..=4 => object(rng).to_string().into_bytes(),
        5 => wild(rng, 4).to_string().into_bytes(),
        6 => {
            let text = object(rng).to_string();
            text.as_bytes()[..rng.below(text.len())].to_vec()
        }
        7 => {
            let n = rng.of(&[64, 127, 128, 129, 500, 10_000, 100_000]);
            rng.word("[|{\"data\":|{\"a\":[").repeat(n).into_bytes()
        }
        8 => rng.of(ODD_JSON).as_bytes().to_vec(),
        9 => {
            let mut bytes = object(rng).to_string().into_bytes();
            let at = rng.below(bytes.len() + 1);
            let odd: &[u8] = rng.of(&[
                &b"\xff\xfe"[..],
                &b"\xc3\x28"[..],
                &b"\xed\xa0\x80"[..],
                &b"\0"[..],
            ]);
            bytes.splice(at..at, odd.iter().copied());
            bytes
        }
        10 => {
            let n = 1 + rng.below(300);
            rng.bytes(n)
        }
        11 => json!({"data": {"k\u{0}": "v\u{0}", "\u{0}": "x"}})
            .to_string()
            .into_bytes(),
        12 if *big_left > 0 => {
            *big_left -= 1;
            match rng.below(3) {
                0 => json!({"data": {"k": "x".repeat(1 << 20)}})
                    .to_string()
                    .into_bytes(),
                1 => "[".repeat(1 << 20).into_bytes(),
                _ => rng.bytes(1 << 20),
            }
        }
        _ => Value::Array((0..rng.below(40)).map(|_| object(rng)).collect())
            .to_string()
            .into_bytes(),
    })
}

/// A header value: absent, one of `choices`, random bytes or very long.
pub fn header_value(rng: &mut Rng, choices: &str) -> Option<HeaderValue> {
    let text: Vec<u8> = match rng.below(8) {
        0 => return None,
        1 => {
            let n = 1 + rng.below(40);
            rng.bytes(n)
        }
        2 => "a".repeat(4000).into_bytes(),
        _ => rng.word(choices).as_bytes().to_vec(),
    };
    // Control bytes cannot go into a header through a client; raw.rs sends them.
    let text: Vec<u8> = text
        .into_iter()
        .map(|b| match b {
            b'\t' => b,
            0..0x20 | 0x7f => b'?',
            _ => b,
        })
        .collect();
    HeaderValue::from_bytes(&text).ok()
}

/// Hosts: the template's, its brand domain, and the malformed.
pub const HOSTS: &str = "garbage.links.test|go.garbage.example|GARBAGE.LINKS.TEST:99999|a.b.links.test|\
    links.test|.links.test|garbage.links.test.|[::1]:80|[::1|127.0.0.1:0|ü.example|x..y|:80|\
    go.garbage.example:abc|go.garbage.example:|feedme.links.test|-.links.test|%00.links.test|\
    garbage.links.test:8080:8080|x\"><script>alert(1)</script>";

/// User agents: real ones, crawlers, and the malformed.
pub const USER_AGENTS: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36|\
    Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X)|facebookexternalhit/1.1|Twitterbot/1.0|\
    Android|Android (((((((|Mozilla/5.0 (Linux; Android 14; |Android 99999999999999999999999999.|\
    iPhone OS _|iPhone; CPU iPhone OS 1_2_3_4_5_6_7_8_9_0_1_2_3_4_5_6_7_8_9_0_1_2_3|\
    Mozilla/5.0 (Linux; Android 14; ;;;;;; Build/|(Android;)))))|iPadiPodiPhone|\
    Slackbot Android iPhone|ü😀 Android ü|\u{202e}Android";

/// One generated request.
pub struct Garbage {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Vec<u8>>,
}

pub fn request(rng: &mut Rng, base: &str, t: &Target, big_left: &mut usize) -> Garbage {
    let dashboard = rng.chance(DASHBOARD_SHARE);
    let routes: Vec<_> = ROUTES
        .iter()
        .filter(|(path, _)| path.starts_with("/dashboard") == dashboard)
        .collect();
    let (mut route, methods) = *routes[rng.below(routes.len())];
    let methods = if rng.chance(85) {
        methods
    } else {
        OTHER_METHODS
    };
    let mut method = rng.word(methods);
    // Uploads, the dashboard's richest handler, get a share of their own.
    if dashboard && rng.chance(8) {
        (route, method) = ("/dashboard/templates/{tid}/bulk", "POST");
    }
    let operator = route.starts_with("/admin/");
    // Never delete the template or app everything else needs.
    let keep = method == "DELETE" && !operator && !route.contains("shortlink") && !dashboard;
    let template = if keep { "Dcy1" } else { TID };
    let decoy = route == "/dashboard/templates/{tid}" || route.ends_with("/delete");
    let mut path = route.to_owned();
    for (name, real) in [
        (
            "{id}",
            if operator {
                t.victim_id.as_str()
            } else {
                template
            },
        ),
        ("{key_id}", "0123456789ab"),
        ("{app_id}", if keep { "com.decoy.app" } else { APP }),
        ("{tid}", if decoy { DECOY } else { TID }),
        ("{sid}", SID),
        (
            "{file}",
            rng.word("qr.png|qr.svg|x|dashboard.css|dashboard.js"),
        ),
    ] {
        if path.contains(name) {
            // The dashboard's pages need a real template to go deep.
            let real = if dashboard && rng.chance(60) {
                real.to_owned()
            } else {
                segment(rng, real)
            };
            path = path.replace(name, &real);
        }
    }
    if path.contains("{*rest}") {
        let rest: Vec<String> = (0..1 + rng.below(4)).map(|_| segment(rng, "x")).collect();
        path = path.replace("{*rest}", &rest.join("/"));
    }
    if rng.chance(10) {
        path.push_str(rng.word("/|//|/x|%2F|;x|/../admin"));
    }
    let mut url = format!("{base}{path}");
    if rng.chance(60) {
        let query = if dashboard && rng.chance(50) {
            crate::dashboard::query(rng)
        } else {
            query(rng)
        };
        url = format!("{url}?{query}");
    }
    let url = Url::parse(&url).unwrap_or_else(|_| Url::parse(base).expect("the base URL"));
    if dashboard {
        return crate::dashboard::request(rng, url, route, method, t, big_left);
    }
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let real_key = if operator { &admin } else { &t.api_key };
    let auths = format!(
        "|Bearer|Bearer |Basic Zm9vOmJhcg==|wl_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|Bearer wl_sdk_x|\
         {admin}|{key}|bearer   {key}  |Bearer\tx|null|Bearer Bearer x",
        key = t.api_key
    );
    let named = [
        (
            "authorization",
            if rng.chance(60) {
                HeaderValue::from_str(real_key).ok()
            } else {
                header_value(rng, &auths)
            },
        ),
        (
            "content-type",
            header_value(
                rng,
                "application/json|application/json|application/json; charset=utf-16|text/plain||\
                 multipart/form-data; boundary=|application/x-www-form-urlencoded|image/png",
            ),
        ),
        (
            "accept",
            header_value(
                rng,
                "image/png|image/svg+xml|*/*|text/html;q=0|image/png, image/svg+xml",
            ),
        ),
        (
            "host",
            if rng.chance(30) {
                header_value(rng, HOSTS)
            } else {
                None
            },
        ),
        ("user-agent", header_value(rng, USER_AGENTS)),
        (
            "referer",
            header_value(rng, "https://news.example/|javascript:x|%00|ü"),
        ),
        (
            "x-forwarded-for",
            rng.chance(5)
                .then(|| HeaderValue::from_static("999.1.1.1, ::zz")),
        ),
        (
            "expect",
            rng.chance(3)
                .then(|| HeaderValue::from_static("100-continue")),
        ),
    ];
    let headers = named
        .into_iter()
        .filter_map(|(name, value)| Some((HeaderName::from_static(name), value?)))
        .collect();
    let wants_body = !matches!(method, "GET" | "HEAD" | "DELETE") || rng.chance(15);
    Garbage {
        method: Method::from_bytes(method.as_bytes()).expect("a method"),
        url,
        headers,
        body: if wants_body {
            body(rng, big_left)
        } else {
            None
        },
    }
}
