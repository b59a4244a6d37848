//! The HTML pages of the redirect host: crawler previews from `af_og_*` or
//! the template's defaults, and hostile link values that come out escaped
//! on every page, under a content security policy with a fresh nonce.

mod clicks;
mod common;

use clicks::*;
use common::*;
use serde_json::json;

/// Hostile values and how they must appear in a page's text or attributes.
const HOSTILE: &[(&str, &str)] = &[
    (
        "\"><script>alert(1)</script>",
        "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
    ),
    ("' onmouseover='x", "&#39; onmouseover=&#39;x"),
    ("</title><script>", "&lt;/title&gt;&lt;script&gt;"),
    ("javascript:alert(1)", "javascript:alert(1)"),
];

fn meta(kind: &str, name: &str, content: &str) -> String {
    format!("<meta {kind}=\"{name}\" content=\"{content}\">")
}

/// The crawler preview of `path` on the Feed Me host, checked for safety.
async fn preview(app: &TestApp, path: &str) -> String {
    let reply = click(app, FEEDME, path, CRAWLERS[1]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_click_headers(&reply);
    assert_safe_page(&reply);
    reply.body
}

#[tokio::test]
async fn a_crawler_preview_shows_the_links_af_og_values() {
    let (app, key) = feedme().await;
    let data = json!({"af_og_title": "Bananas", "af_og_description": "Fresh today",
        "af_og_image": "https://cdn.example/b.png"});
    link(&app, &key, "og", data).await;
    let body = preview(&app, "/H5hv/og").await;
    for tag in [
        meta("property", "og:title", "Bananas"),
        meta("property", "og:description", "Fresh today"),
        meta("property", "og:image", "https://cdn.example/b.png"),
        meta("name", "twitter:card", "summary_large_image"),
        meta("property", "og:url", "https://feedme.links.test/H5hv/og"),
        "<title>Bananas</title>".into(),
    ] {
        assert!(body.contains(&tag), "{tag} is not in {body}");
    }
    // A long link carries the same values in its query.
    let query =
        "af_og_title=Kiwis&af_og_description=Green&af_og_image=https%3A%2F%2Fcdn.example%2Fk.png";
    let body = preview(&app, &format!("/H5hv?{query}")).await;
    assert!(
        body.contains(&meta("property", "og:title", "Kiwis")),
        "{body}"
    );
    assert!(body.contains(&meta("property", "og:description", "Green")));
    assert!(body.contains(&meta("property", "og:image", "https://cdn.example/k.png")));
}

#[tokio::test]
async fn a_crawler_preview_falls_back_to_the_templates_defaults() {
    let (app, key) = feedme().await;
    link(&app, &key, "plain", json!({"pid": "sms"})).await;
    link(&app, &key, "titled", json!({"af_og_title": "Bananas"})).await;
    let body = preview(&app, "/H5hv/plain").await;
    assert!(body.contains(&meta("property", "og:title", "Open in the app")));
    assert!(body.contains(&meta("name", "twitter:card", "summary")));
    assert!(
        !body.contains("og:description") && !body.contains("og:image"),
        "{body}"
    );
    let defaults = json!({"og_title": "Feed Me", "og_description": "Groceries in minutes",
        "og_image": "https://cdn.feedme.example/og.png"});
    patch_template(&app, &key, TID, defaults).await;
    for (path, title) in [
        ("/H5hv/plain", "Feed Me"),
        ("/H5hv/titled", "Bananas"),
        ("/H5hv/gone", "Feed Me"),
    ] {
        let body = preview(&app, path).await;
        for tag in [
            meta("property", "og:title", title),
            meta("property", "og:description", "Groceries in minutes"),
            meta("property", "og:image", "https://cdn.feedme.example/og.png"),
            meta("name", "twitter:card", "summary_large_image"),
        ] {
            assert!(body.contains(&tag), "{path}: {tag} is not in {body}");
        }
    }
}

#[tokio::test]
async fn hostile_af_og_values_come_out_escaped_in_the_preview() {
    let (app, key) = feedme().await;
    for (n, (raw, escaped)) in HOSTILE.iter().enumerate() {
        let data = json!({"af_og_title": raw, "af_og_description": raw, "af_og_image": raw});
        link(&app, &key, &format!("hostile{n}"), data).await;
        let query = ["af_og_title", "af_og_description", "af_og_image"]
            .map(|k| format!("{k}={}", enc(raw)))
            .join("&");
        for path in [format!("/H5hv/hostile{n}"), format!("/H5hv?{query}")] {
            let body = preview(&app, &path).await;
            assert!(
                body.contains(&meta("property", "og:title", escaped)),
                "{body}"
            );
            assert!(body.contains(&meta("property", "og:description", escaped)));
            assert!(
                body.contains(&format!("<title>{escaped}</title>")),
                "{body}"
            );
            // None of them is an http(s) URL: no image at all.
            assert!(!body.contains("og:image"), "{body}");
            if raw.contains(['<', '>', '"', '\'']) {
                assert!(!body.contains(raw), "{raw} came out raw: {body}");
            }
        }
    }
}

#[tokio::test]
async fn hostile_titles_come_out_escaped_on_the_desktop_and_ios_pages() {
    let (app, key) = feedme().await;
    for (n, (raw, escaped)) in HOSTILE.iter().enumerate() {
        let data =
            json!({"af_og_title": raw, "af_dp": "feedme://open", "af_force_deeplink": "true"});
        link(&app, &key, &format!("title{n}"), data).await;
        let query = format!(
            "af_og_title={}&af_dp=feedme%3A%2F%2Fopen&af_force_deeplink=true",
            enc(raw)
        );
        for path in [format!("/H5hv/title{n}"), format!("/H5hv?{query}")] {
            for ua in [DESKTOP, IOS] {
                let reply = click(&app, FEEDME, &path, ua).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                assert_click_headers(&reply);
                assert_safe_page(&reply);
                let body = &reply.body;
                assert!(
                    body.contains(&format!("<title>{escaped}</title>")),
                    "{body}"
                );
                assert!(body.contains(&format!("<h1>{escaped}</h1>")), "{body}");
                if raw.contains(['<', '>', '"', '\'']) {
                    assert!(!body.contains(raw), "{raw} came out raw: {body}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_hostile_deep_link_on_the_ios_page_cannot_leave_its_attribute() {
    let (app, key) = feedme().await;
    let store = app_store(&app, TID).await;
    let cases = [
        (
            "feedme://x\"><script>alert(1)</script>",
            "feedme://x%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        ),
        (
            "feedme://x' onmouseover='x",
            "feedme://x%27%20onmouseover=%27x",
        ),
        (
            "feedme://</title><script>",
            "feedme://%3C/title%3E%3Cscript%3E",
        ),
    ];
    for (n, (raw, href)) in cases.into_iter().enumerate() {
        let data = json!({"af_dp": raw, "af_force_deeplink": "true",
            "af_ios_url": "https://feedme.example/\"><script>alert(1)</script>"});
        link(&app, &key, &format!("dl{n}"), data).await;
        let reply = click(&app, FEEDME, &format!("/H5hv/dl{n}"), IOS).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_safe_page(&reply);
        let open = format!("<a id=\"open\" class=\"button\" href=\"{href}\">");
        assert!(reply.body.contains(&open), "{}", reply.body);
        let fallback = "href=\"https://feedme.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E\"";
        assert!(reply.body.contains(fallback), "{}", reply.body);
    }
    // A deep link that would run script is ignored: the next rule applies.
    for raw in [
        "javascript:alert(1)",
        "JavaScript://x%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
    ] {
        let query = format!("af_dp={}&af_force_deeplink=true", enc(raw));
        let reply = click(&app, FEEDME, &format!("/H5hv?{query}"), IOS).await;
        assert_eq!(reply.location(), store, "{raw}");
    }
}

#[tokio::test]
async fn every_html_page_sends_a_content_security_policy_with_a_fresh_nonce() {
    let (app, key) = feedme().await;
    app.feedme("Gr0c", "grocer").await;
    link(
        &app,
        &key,
        "open",
        json!({"af_dp": "feedme://o", "af_force_deeplink": "true"}),
    )
    .await;
    let pages: [(&str, &str, &str, u16); 6] = [
        (FEEDME, "/H5hv/open", CRAWLERS[0], 200),
        (FEEDME, "/H5hv/open", IOS, 200),
        (FEEDME, "/H5hv/open", DESKTOP, 200),
        (FEEDME, "/Zzzz9/open", IOS, 404),
        (FEEDME, "/Gr0c/open", ANDROID, 404),
        ("", "/Zzzz9", CRAWLERS[2], 404),
    ];
    let mut nonces = Vec::new();
    for (host, path, ua, status) in pages {
        let reply = click(&app, host, path, ua).await;
        assert_eq!(reply.status, status, "{path} {ua}: {}", reply.body);
        assert_click_headers(&reply);
        assert_safe_page(&reply);
        nonces.push(reply.nonce());
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 6, "a nonce was used twice: {nonces:?}");
}

#[tokio::test]
async fn a_hostile_host_header_comes_out_escaped_in_the_links_url() {
    let (app, _key) = with_link().await;
    let host = "x\"><script>alert(1)</script>";
    let shown = "https://x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/H5hv/bananas7";
    let reply = click(&app, host, "/H5hv/bananas7", DESKTOP).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_safe_page(&reply);
    assert!(
        reply.body.contains(&format!("<code>{shown}</code>")),
        "{}",
        reply.body
    );
    let body = preview(&app, "/H5hv/bananas7").await;
    assert!(body.contains(&meta(
        "property",
        "og:url",
        "https://feedme.links.test/H5hv/bananas7"
    )));
    let reply = click(&app, host, "/H5hv/bananas7", CRAWLERS[3]).await;
    assert_safe_page(&reply);
    assert!(
        reply.body.contains(&meta("property", "og:url", shown)),
        "{}",
        reply.body
    );
}

/// Sends `GET target` as raw bytes, as no client would write it; answers
/// the whole response as text.
fn raw_get(address: &str, target: &str, user_agent: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("a connection");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: feedme.links.test\r\nUser-Agent: {user_agent}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test]
async fn a_raw_hostile_query_is_escaped_where_pages_show_the_links_url() {
    let (app, _key) = feedme().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let get = |target: &'static str, ua: &'static str| {
        let address = address.clone();
        tokio::task::spawn_blocking(move || raw_get(&address, target, ua))
    };
    // Quotes and angle brackets never get past the HTTP parser.
    let answer = get("/H5hv?t=\"><script>alert(1)</script>", CRAWLERS[0])
        .await
        .unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(!answer.contains("<script>"), "{answer}");
    // Apostrophes and the like do, and the link's URL shows them escaped.
    let target = "/H5hv?x='onmouseover='alert(1)'&y=`{}|^";
    let shown = "https://feedme.links.test/H5hv?x=&#39;onmouseover=&#39;alert(1)&#39;&amp;y=`{}|^";
    let answer = get(target, CRAWLERS[0]).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains(&meta("property", "og:url", shown)),
        "{answer}"
    );
    let answer = get(target, DESKTOP).await.unwrap();
    assert!(
        answer.contains(&format!("<code>{shown}</code>")),
        "{answer}"
    );
    assert!(!answer.contains("'onmouseover"), "{answer}");
}
