//! The HTML pages of the redirect host: social previews for crawlers, the
//! iOS open-the-app page, the desktop page with the link's QR code, and the
//! 404 page.
//!
//! Every value from a link is escaped for the HTML context it lands in;
//! scripts never embed a value (they read it from an escaped attribute),
//! and each page is sent with a content security policy that only lets its
//! own nonce-tagged script and style run.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use waylink_core::random::{ALPHANUMERIC, random_string};
use waylink_core::routing::Preview;

use crate::qr;

/// Escapes text for an HTML element body or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f6f7f9;color:#1d1f23}main{max-width:28rem;padding:2rem;text-align:center}h1{font-size:1.4rem}p{line-height:1.5}.button{display:inline-block;margin:.4rem;padding:.8rem 1.4rem;border-radius:.5rem;background:#1f6feb;color:#fff;text-decoration:none}.secondary{background:#e4e7ec;color:#1d1f23}img{width:240px;height:240px}code{word-break:break-all}";

/// A page: its status, its `<head>` extras, its body, and its script.
struct Page<'a> {
    status: StatusCode,
    title: &'a str,
    head: String,
    body: String,
    script: Option<&'a str>,
}

impl Page<'_> {
    fn render(self) -> Response {
        let nonce = random_string(22, ALPHANUMERIC);
        let script = self
            .script
            .map(|s| format!("<script nonce=\"{nonce}\">{s}</script>"))
            .unwrap_or_default();
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{title}</title>{head}<style nonce=\"{nonce}\">{STYLE}</style></head><body><main>{body}</main>{script}</body></html>",
            title = escape(self.title),
            head = self.head,
            body = self.body,
        );
        let csp = format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        response
    }
}

/// The preview a crawler gets: Open Graph and Twitter card tags.
pub fn preview(preview: &Preview, link_url: &str) -> Response {
    let mut head = format!(
        "<meta property=\"og:title\" content=\"{t}\"><meta name=\"twitter:title\" content=\"{t}\"><meta property=\"og:type\" content=\"website\"><meta property=\"og:url\" content=\"{u}\">",
        t = escape(&preview.title),
        u = escape(link_url),
    );
    if let Some(d) = &preview.description {
        head.push_str(&format!(
            "<meta property=\"og:description\" content=\"{d}\"><meta name=\"twitter:description\" content=\"{d}\"><meta name=\"description\" content=\"{d}\">",
            d = escape(d)
        ));
    }
    let card = if let Some(image) = &preview.image {
        head.push_str(&format!(
            "<meta property=\"og:image\" content=\"{i}\"><meta name=\"twitter:image\" content=\"{i}\">",
            i = escape(image)
        ));
        "summary_large_image"
    } else {
        "summary"
    };
    head.push_str(&format!("<meta name=\"twitter:card\" content=\"{card}\">"));
    let description = preview
        .description
        .as_deref()
        .map(escape)
        .unwrap_or_default();
    Page {
        status: StatusCode::OK,
        title: &preview.title,
        head,
        body: format!("<h1>{}</h1><p>{description}</p>", escape(&preview.title)),
        script: None,
    }
    .render()
}

/// The iOS page that opens the app through its deep link and, when the app
/// does not take over within about two seconds, goes to `fallback`.
pub fn open_app(title: &str, deep_link: &str, fallback: &str) -> Response {
    Page {
        status: StatusCode::OK,
        title,
        head: String::new(),
        body: format!(
            "<h1>{t}</h1><p><a id=\"open\" class=\"button\" href=\"{dl}\">Open in the app</a><a id=\"fallback\" class=\"button secondary\" href=\"{fb}\">Get the app</a></p>",
            t = escape(title),
            dl = escape(deep_link),
            fb = escape(fallback),
        ),
        // The URLs are read from the escaped attributes, never written into
        // the script, so no link value can reach a JavaScript context.
        script: Some(
            "(function(){var open=document.getElementById('open').getAttribute('href');var fallback=document.getElementById('fallback').getAttribute('href');var start=Date.now();window.location.href=open;setTimeout(function(){if(!document.hidden&&Date.now()-start<4000){window.location.href=fallback;}},2000);})();",
        ),
    }
    .render()
}

/// The desktop page: the link's title and a QR code to open it on a phone.
pub fn desktop(preview: &Preview, link_url: &str) -> Response {
    let qr = qr::svg(link_url, 240)
        .map(|svg| {
            let data = base64::engine::general_purpose::STANDARD.encode(svg);
            format!(
                "<p><img alt=\"QR code of this link\" src=\"data:image/svg+xml;base64,{data}\"></p>"
            )
        })
        .unwrap_or_default();
    let description = preview
        .description
        .as_deref()
        .map(|d| format!("<p>{}</p>", escape(d)))
        .unwrap_or_default();
    Page {
        status: StatusCode::OK,
        title: &preview.title,
        head: String::new(),
        body: format!(
            "<h1>{t}</h1>{description}{qr}<p>Scan the code with your phone to open this link there.</p><p><code>{u}</code></p>",
            t = escape(&preview.title),
            u = escape(link_url),
        ),
        script: None,
    }
    .render()
}

/// The page of an unknown template.
pub fn not_found() -> Response {
    Page {
        status: StatusCode::NOT_FOUND,
        title: "Link not found",
        head: String::new(),
        body: "<h1>Link not found</h1><p>This link does not exist. Check that it was copied whole.</p>".into(),
        script: None,
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_every_character_that_ends_text_or_an_attribute() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
