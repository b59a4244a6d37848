//! Helpers shared by the click test files: real user agents, a click sent
//! to a host, and the checks every click answer and HTML page must pass.

#![allow(dead_code)]

use serde_json::{Value, json};
use waylink_core::click::Click;

use crate::common::{TID, TestApp, v2_create};

/// Chrome on a Pixel 8, Android 14.
pub const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
/// Safari on an iPhone, iOS 17.1.2.
pub const IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1";
/// Chrome on Windows.
pub const DESKTOP: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
/// Link unfurlers and search bots of the spec.
pub const CRAWLERS: &[&str] = &[
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];
/// The Feed Me template's own host.
pub const FEEDME: &str = "feedme.links.test";
/// The Feed Me Android package.
pub const PACKAGE: &str = "com.feedme.app";

/// An answer, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    /// A header as text, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a text header"))
            .unwrap_or("")
    }

    /// The `location` of a `302`.
    pub fn location(&self) -> &str {
        assert_eq!(self.status, 302, "not a redirect: {}", self.body);
        self.header("location")
    }

    /// The nonce the page's content security policy allows.
    pub fn nonce(&self) -> String {
        let csp = self.header("content-security-policy");
        let start = csp
            .find("script-src 'nonce-")
            .expect("a script nonce in the CSP")
            + 18;
        let nonce = &csp[start..];
        nonce[..nonce.find('\'').expect("the nonce's end")].to_owned()
    }
}

/// Sends `method path` to `host` as `user_agent`, with extra headers.
pub async fn send(
    app: &TestApp,
    method: &str,
    host: &str,
    path: &str,
    user_agent: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("user-agent", user_agent);
    if !host.is_empty() {
        request = request.header("host", host);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("a body"),
    }
}

/// `GET path` on `host` as `user_agent`, a millisecond of the test clock
/// after the last: clicks of a frozen clock all share one time, so stored
/// clicks would not sort in the order they were sent.
pub async fn click(app: &TestApp, host: &str, path: &str, user_agent: &str) -> Reply {
    app.advance(1);
    send(app, "GET", host, path, user_agent, &[]).await
}

/// The id of the `n`th stored click (oldest first) of the Feed Me template.
pub async fn click_id(app: &TestApp, n: usize) -> String {
    nth_click(app, n).await.click_id
}

/// The Feed Me Play Store URL whose referrer is the click id and `extra`.
pub fn play(click_id: &str, extra: &str) -> String {
    format!(
        "https://play.google.com/store/apps/details?id={PACKAGE}&referrer=waylink_click_id%3D{click_id}{extra}"
    )
}

/// Creates short link `sid` of the Feed Me template with `data`.
pub async fn link(app: &TestApp, key: &str, sid: &str, data: Value) {
    let (status, body) = v2_create(app, key, TID, json!({"data": data, "shortlink_id": sid})).await;
    assert_eq!(status, 200, "{body}");
}

/// `PATCH /api/v1/templates/{tid}`.
pub async fn patch_template(app: &TestApp, key: &str, tid: &str, patch: Value) {
    let (status, body) = app
        .json(
            "PATCH",
            &format!("/api/v1/templates/{tid}"),
            Some(key),
            Some(patch),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The App Store URL of template `tid`'s iOS app.
pub async fn app_store(app: &TestApp, tid: &str) -> String {
    format!("https://apps.apple.com/app/{}", ios_app_of(app, tid).await)
}

/// Clicks handed to the click queue so far.
pub fn queued(app: &TestApp) -> u64 {
    let metrics = app.state.clicks.metrics();
    metrics.queued.load(std::sync::atomic::Ordering::Relaxed)
}

/// Asserts that `reply` redirects to a URL that starts with `prefix`.
pub fn assert_redirects_under(reply: &Reply, prefix: &str) {
    let location = reply.location();
    assert!(
        location.starts_with(prefix),
        "{location} is not under {prefix}"
    );
}

/// The iOS app id of template `tid`.
pub async fn ios_app_of(app: &TestApp, tid: &str) -> String {
    let template = app.state.store.find_template(tid).await.unwrap().unwrap();
    template.ios_app_id.expect("an iOS app")
}

/// The `n`th stored click (oldest first) of the Feed Me template, once
/// `n + 1` are stored.
pub async fn nth_click(app: &TestApp, n: usize) -> Click {
    let clicks = app.stored_clicks(TID, n + 1).await;
    assert_eq!(clicks.len(), n + 1, "clicks stored: {clicks:#?}");
    clicks[n].clone()
}

/// `x` percent-encoded as `application/x-www-form-urlencoded`.
pub fn enc(x: &str) -> String {
    form_urlencoded::byte_serialize(x.as_bytes()).collect()
}

/// Every answer to a click: never cached, never sniffed.
pub fn assert_click_headers(reply: &Reply) {
    assert_eq!(reply.header("cache-control"), "no-store", "{}", reply.body);
    assert_eq!(reply.header("x-content-type-options"), "nosniff");
}

/// An HTML page: its policy, and every script tagged with its nonce.
pub fn assert_safe_page(reply: &Reply) {
    assert_eq!(reply.header("content-type"), "text/html; charset=utf-8");
    let csp = reply.header("content-security-policy");
    let nonce = reply.nonce();
    assert_eq!(nonce.len(), 22, "{csp}");
    assert_eq!(
        csp,
        format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    );
    assert!(!reply.body.contains("<script>alert"), "{}", reply.body);
    let lower = reply.body.to_ascii_lowercase();
    for element in ["<script", "<style"] {
        for (at, _) in lower.match_indices(element) {
            let tag = &reply.body[at..at + reply.body[at..].find('>').expect("a tag's end")];
            assert_eq!(
                tag,
                format!("{element} nonce=\"{nonce}\""),
                "{}",
                reply.body
            );
        }
    }
    // No link or image may run script; text (`og:title`) may say anything.
    let attributes = [
        "href=\"",
        "src=\"",
        "image\" content=\"",
        "og:url\" content=\"",
    ];
    for attribute in attributes {
        for (at, _) in lower.match_indices(attribute) {
            let value = &lower[at + attribute.len()..];
            assert!(!value.starts_with("javascript:"), "{}", reply.body);
        }
    }
}

/// The 404 page of a click on something that is not a link.
pub fn assert_not_found_page(reply: &Reply) {
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_click_headers(reply);
    assert_safe_page(reply);
    assert!(
        reply.body.contains("<h1>Link not found</h1>"),
        "{}",
        reply.body
    );
}
