//! The dashboard's part of the generator: cookies (none, the test
//! account's session, or forged and mangled ones), forms with the right
//! CSRF token, a wrong one or none, garbage form bodies, and CSV uploads
//! both well-formed and broken.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::json;

use crate::generator::{Garbage, HOSTS, Rng, STRINGS, Target, USER_AGENTS, body, header_value};

const SESSION: &str = "waylink_session";
const SIGN_IN: &str = "waylink_sign_in";
/// Values that would run script if a page showed them unescaped.
pub const HOSTILE: &str = "\"><script>alert(1)</script>|<img src=x onerror=alert(1)>|\
    </textarea><script>alert(1)</script>|javascript:alert(1)";

/// Queries of the links list (filters, cursor) and statistics (range).
const QUERIES: &str = "from=2026-11-01&to=2026-11-30|from=x&to=y|from=2026-11-30&to=2020-01-01|\
    from=0000-01-01&to=9999-12-31|from=-99999-01-01|to=2026-02-30|shortlink_id=known1|\
    shortlink_id=%00|key=pid&value=sms|key=&value=x|key=pid&key=c&value=sms|key=%FF&value=%ZZ|\
    cursor=!!|cursor=MTIzOmFiYw|key=pid&value=sms&cursor=Ojo6Og|from=2026-11-22T00:00:00Z";

pub fn query(rng: &mut Rng) -> String {
    (0..1 + rng.below(2))
        .map(|_| match rng.below(6) {
            0 => format!("key={}&value={}", enc(&rng.text(6)), enc(&rng.text(6))),
            1 => format!("from={}", "9".repeat(rng.of(&[20, 3000]))),
            _ => rng.word(QUERIES).to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// From one to `max` random bytes.
fn junk(rng: &mut Rng, max: usize) -> Vec<u8> {
    let n = 1 + rng.below(max);
    rng.bytes(n)
}

fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `text` with one character changed, staying in the base64url alphabet.
fn flip(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return "A".into();
    }
    let at = rng.below(bytes.len());
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A session cookie value that is not the account's: tampered, forged,
/// badly encoded or huge.
fn forged(rng: &mut Rng, t: &Target) -> String {
    let (payload, signature) = t.session.split_once('.').unwrap_or((&t.session, ""));
    let claims = |expires: i64| {
        URL_SAFE_NO_PAD.encode(
            json!({"account": t.account_id, "key_hash": "x", "expires": expires, "nonce": "n"})
                .to_string(),
        )
    };
    match rng.below(9) {
        0 => format!("{payload}.{}", flip(rng, signature)),
        1 => format!("{}.{signature}", flip(rng, payload)),
        2 => format!("{}.{signature}", claims(i64::MAX)),
        3 => format!("{}.{}", claims(-1), URL_SAFE_NO_PAD.encode(rng.bytes(32))),
        4 => rng
            .word("!!!.@@@|%ZZ.%ZZ|.|..|a.b.c|====.====|\"quoted\"|payload|=|e30.e30")
            .to_owned(),
        5 => format!("{}.{signature}", "A".repeat(rng.of(&[5_000, 20_000]))),
        6 => format!("{payload}.{}", "A".repeat(20_000)),
        7 => URL_SAFE_NO_PAD.encode(junk(rng, 80)),
        _ => String::new(),
    }
}

/// The `cookie` headers of a request: none, the session, or garbage;
/// `sign_in` is the sign-in form's cookie, when the request posts it.
fn cookies(rng: &mut Rng, t: &Target, sign_in: Option<&str>) -> Vec<HeaderValue> {
    let mut pairs = match rng.below(20) {
        0..=3 => Vec::new(),
        4..=13 => vec![format!("{SESSION}={}", t.session)],
        _ => vec![format!("{SESSION}={}", forged(rng, t))],
    };
    if let Some(token) = sign_in {
        pairs.push(format!("{SIGN_IN}={token}"));
    }
    let mut separator = "; ";
    match rng.below(12) {
        0 => pairs.insert(0, "theme=dark".into()),
        1 => {
            let n = rng.of(&[90, 1500]);
            pairs.splice(0..0, (0..n).map(|i| format!("c{i}=v{i}")));
        }
        // A forged session first: the server reads the first one.
        2 => pairs.insert(0, format!("{SESSION}={}", forged(rng, t))),
        3 => pairs.push(format!("{SESSION}={}", forged(rng, t))),
        4 => separator = rng.word(";|;;; |, | ; |\t;"),
        5 => {
            let odd = rng.word("=|;|waylink_session|waylink_session==|=x|a=b=c|%00=%00");
            pairs.insert(rng.below(pairs.len() + 1), odd.to_owned());
        }
        // One header per cookie.
        6 => {
            return pairs
                .iter()
                .filter_map(|p| HeaderValue::from_str(p).ok())
                .collect();
        }
        7 => {
            return header_value(rng, "waylink_session|waylink_session=;")
                .into_iter()
                .collect();
        }
        _ => {}
    }
    if pairs.is_empty() {
        return Vec::new();
    }
    HeaderValue::from_str(&pairs.join(separator))
        .ok()
        .into_iter()
        .collect()
}

/// The `_csrf` fields of a form that expects `token`: it, a wrong one,
/// none, or both in the order that fails.
fn csrf(rng: &mut Rng, token: &str) -> Vec<(String, String)> {
    let field = |v: &str| ("_csrf".to_owned(), v.to_owned());
    match rng.below(10) {
        0..=5 => vec![field(token)],
        6 => Vec::new(),
        7 => vec![field(&flip(rng, token))],
        8 => vec![field(rng.word("| |null|undefined|%00"))],
        _ => vec![field(&flip(rng, token)), field(token)],
    }
}

const FORM_FIELDS: &str = "api_key|id|subdomain|android_app_id|ios_app_id|uri_scheme|desktop_url|\
    brand_domains|allowed_redirect_domains|og_title|og_description|og_image|pid|c|deep_link_value|\
    af_dp|af_r|af_web_dp|af_force_deeplink|is_retargeting|custom_key|custom_value|ttl|\
    shortlink_id|brand_domain|af_og_image|deep_link_sub1|key|value|file";

fn value(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => String::new(),
        1 => rng.text(12),
        2 => rng.word(HOSTILE).to_owned(),
        3 => "x".repeat(rng.of(&[300, 3000])),
        4 => "go.garbage.example\n\n  b..c \r\nü.example".to_owned(),
        5 => rng.word("true|TRUE|on|1").to_owned(),
        _ => rng.word(STRINGS).to_owned(),
    }
}

/// A form body, urlencoded: fields with values of all kinds and the CSRF
/// field of `token`; or garbage.
/// `api_key` is the account's key, for the sign-in form.
fn form(
    rng: &mut Rng,
    token: &str,
    api_key: Option<&str>,
    big_left: &mut usize,
) -> Option<Vec<u8>> {
    Some(match rng.below(14) {
        0 => return None,
        1 => Vec::new(),
        2..=8 => {
            let mut pairs = csrf(rng, token);
            if let Some(key) = api_key.filter(|_| rng.chance(85)) {
                let key = if rng.chance(60) {
                    key.to_owned()
                } else {
                    value(rng)
                };
                pairs.push(("api_key".to_owned(), key));
            }
            for _ in 0..rng.below(8) {
                let name = rng.word(FORM_FIELDS).to_owned();
                pairs.insert(rng.below(pairs.len() + 1), (name, value(rng)));
            }
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish()
                .into_bytes()
        }
        9 => {
            let odd = rng.word("%ZZ&&==&_csrf|_csrf=%FF%FE|=&=&=|_csrf&_csrf&api_key|a=%|+++=+++");
            format!("{odd}&_csrf={}", enc(token)).into_bytes()
        }
        10 => {
            let mut bytes = format!("_csrf={}&pid=", enc(token)).into_bytes();
            bytes.extend(junk(rng, 100));
            bytes
        }
        11 => {
            let n = rng.of(&[1_000, 20_000]);
            let mut text = format!("_csrf={}", enc(token));
            (0..n).for_each(|i| text.push_str(&format!("&custom_key=k{i}&custom_value=v")));
            text.into_bytes()
        }
        // Over the body limit of the dashboard's forms.
        12 if *big_left > 0 => {
            *big_left -= 1;
            format!("_csrf={}&og_title={}", enc(token), "x".repeat(300_000)).into_bytes()
        }
        _ => body(rng, big_left)?,
    })
}

/// A CSV file of links: well-formed, or broken in the ways files are.
fn csv(rng: &mut Rng, big_left: &mut usize) -> Vec<u8> {
    let cell = |rng: &mut Rng| match rng.below(6) {
        0 => format!("\"{}\"", rng.word(HOSTILE).replace('"', "\"\"")),
        1 => String::new(),
        _ => rng
            .word("sms|email|bananas|feedme://offers/x|14d|10m|-1d|abc")
            .to_owned(),
    };
    let text = match rng.below(14) {
        0..=4 => {
            let mut text = String::from("pid,c,deep_link_value,af_dp,shortlink_id,ttl\r\n");
            for _ in 0..1 + rng.below(4) {
                let id = if rng.chance(50) {
                    format!("b{}", rng.next() % 1_000_000)
                } else {
                    String::new()
                };
                let ttl = rng.word("14d||10m|-1d|abc");
                let (pid, c) = (cell(rng), cell(rng));
                text.push_str(&format!("{pid},{c},bananas,feedme://x,{id},{ttl}\r\n"));
            }
            if rng.chance(20) {
                text.insert(0, '\u{feff}');
            }
            text
        }
        5 => {
            let mut bytes = b"pid,c\r\nsms,".to_vec();
            bytes.extend(rng.word("\u{ff}|caf").as_bytes());
            bytes.extend(rng.of(&[&b"\xff\xfe"[..], b"\xe9", b"\xc3\x28", b"\xed\xa0\x80"]));
            return bytes;
        }
        6 => format!("pid,c\r\nsms,{}\r\n", "x".repeat(rng.of(&[3_000, 200_000]))),
        7 => {
            let n = rng.of(&[2_000, 20_000]);
            let header: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            format!("{}\r\n{}\r\n", header.join(","), vec!["v"; n].join(","))
        }
        8 => rng
            .word("pid,c\r\n\"sms,x\r\nemail,y\r\n|pid,\"c\r\nsms,x|pid,c\r\nsms,\"x\"y\"\r\n|\"")
            .to_owned(),
        9 => "pid,c\r\nsms\r\nsms,c,extra\r\n,\r\n".to_owned(),
        10 => rng
            .word("|\u{feff}|,,,\r\n|pid\r\n\r\n\r\n|\0\0\0|pid,c\rsms,x\r|pid,c|\r\n\r\n")
            .to_owned(),
        11 => format!("pid\n{}", "x\n".repeat(10_001)),
        12 if *big_left > 0 => {
            // As many rows as a batch takes, each of the wrong length.
            *big_left -= 1;
            format!("pid,c\n{}", "x\n".repeat(10_000))
        }
        _ => return junk(rng, 200),
    };
    text.into_bytes()
}

const ODD_UPLOAD_TYPES: &str = "multipart/form-data|multipart/form-data; boundary=|\
    multipart/mixed; boundary=x|text/csv|application/x-www-form-urlencoded";

/// A multipart upload to the bulk page: its content type and body.
fn upload(rng: &mut Rng, t: &Target, big_left: &mut usize) -> (Option<HeaderValue>, Vec<u8>) {
    let boundary = format!("----waylink{}", rng.next() % 1_000_000);
    let mut parts: Vec<(String, Vec<u8>)> = csrf(rng, &t.csrf)
        .into_iter()
        .map(|(_, v)| ("name=\"_csrf\"".to_owned(), v.into_bytes()))
        .collect();
    if rng.chance(90) {
        let name = rng.word(
            "name=\"file\"; filename=\"links.csv\"\r\nContent-Type: text/csv|name=\"file\"|\
             name=\"file\"; filename=\"..\\\\..\\\\x\\\"; name=\\\"_csrf\"|name=file; filename=a.csv",
        );
        parts.insert(
            rng.below(parts.len() + 1),
            (name.to_owned(), csv(rng, big_left)),
        );
    }
    if rng.chance(15) {
        let odd =
            rng.word("name=\"other\"|filename=\"x\"|name=\"\"|name=\"file\"; filename=\"b.csv\"");
        parts.push((odd.to_owned(), b"pid\r\nsms\r\n".to_vec()));
    }
    let newline = if rng.chance(10) { "\n" } else { "\r\n" };
    let mut body = Vec::new();
    for (disposition, content) in parts {
        let head = format!("--{boundary}{newline}Content-Disposition: form-data; {disposition}");
        body.extend(format!("{head}{newline}{newline}").into_bytes());
        body.extend(content);
        body.extend(newline.as_bytes());
    }
    let mut content_type = format!("multipart/form-data; boundary={boundary}");
    match rng.below(12) {
        0 => content_type = "multipart/form-data; boundary=other".into(),
        1 => content_type = rng.word(ODD_UPLOAD_TYPES).into(),
        2 => body.truncate(rng.below(body.len() + 1)),
        3 => {}
        4 => body.splice(0..0, rng.bytes(20)).for_each(drop),
        _ => body.extend(format!("--{boundary}--{newline}").into_bytes()),
    }
    (HeaderValue::from_str(&content_type).ok(), body)
}

/// The headers and body of a request to a dashboard path.
pub fn request(
    rng: &mut Rng,
    url: Url,
    route: &str,
    method: &str,
    t: &Target,
    big_left: &mut usize,
) -> Garbage {
    let posts = method == "POST";
    let signs_in = posts && route == "/dashboard/sign-in";
    // The sign-in form's token: the same in the cookie and the form, or not.
    let token = format!("tok{}", rng.next() % 1_000_000);
    let sign_in_cookie = match rng.below(10) {
        _ if !signs_in => None,
        0..=6 => Some(token.clone()),
        7 => Some(flip(rng, &token)),
        _ => None,
    };
    let mut headers: Vec<(HeaderName, HeaderValue)> = cookies(rng, t, sign_in_cookie.as_deref())
        .into_iter()
        .map(|v| (HeaderName::from_static("cookie"), v))
        .collect();
    let (content_type, body) = if posts && route.ends_with("/bulk") && rng.chance(85) {
        let (content_type, body) = upload(rng, t, big_left);
        (content_type, Some(body))
    } else if posts || rng.chance(10) {
        let token = if signs_in { &token } else { &t.csrf };
        let content_type = if rng.chance(80) {
            Some(HeaderValue::from_static(
                "application/x-www-form-urlencoded",
            ))
        } else {
            header_value(rng, "application/json|text/plain|multipart/form-data|")
        };
        let key = signs_in.then_some(t.api_key.as_str());
        (content_type, form(rng, token, key, big_left))
    } else {
        (None, None)
    };
    let named = [
        ("content-type", content_type),
        (
            "accept",
            header_value(rng, "text/html|*/*|application/json"),
        ),
        ("user-agent", header_value(rng, USER_AGENTS)),
        (
            "host",
            rng.chance(20).then(|| header_value(rng, HOSTS)).flatten(),
        ),
        (
            "x-forwarded-proto",
            rng.chance(10)
                .then(|| header_value(rng, "https|http|HTTPS|ftp"))
                .flatten(),
        ),
        (
            "authorization",
            rng.chance(10)
                .then(|| HeaderValue::from_str(&format!("Bearer {}", t.api_key)).ok())
                .flatten(),
        ),
    ];
    headers.extend(
        named
            .into_iter()
            .filter_map(|(name, value)| Some((HeaderName::from_static(name), value?))),
    );
    Garbage {
        method: Method::from_bytes(method.as_bytes()).expect("a method"),
        url,
        headers,
        body,
    }
}
