//! Helpers shared by the dashboard test files: a browser that signs in
//! with an API key and keeps its session cookie, posts forms with the
//! session's CSRF token, uploads files, and reads pages with plain string
//! search (no HTML parser: the pages are `maud`'s, whose shape is known).

#![allow(dead_code)]

mod html;

pub use html::*;

use crate::common::TestApp;

/// The content security policy of every dashboard page.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// The session cookie's name.
pub const SESSION: &str = "waylink_session";
/// The sign-in form's cookie.
pub const SIGN_IN: &str = "waylink_sign_in";
/// Values that would run script if a page showed them unescaped.
pub const HOSTILE: [&str; 2] = [
    "\"><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
];

/// The `name=value` of a `set-cookie` line.
pub fn pair_of(set_cookie: &str) -> &str {
    set_cookie.split(';').next().expect("a cookie pair")
}

/// The value of a `set-cookie` line.
pub fn value_of(set_cookie: &str) -> &str {
    pair_of(set_cookie).split_once('=').expect("name=value").1
}

/// Sends a request with a `cookie` header (if any) and extra headers.
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Page {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = app.client.request(method, app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    Page::read(request.send().await.expect("the server answers")).await
}

/// `GET path` with a `cookie` header (if any).
pub async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Page {
    send(app, "GET", path, cookie, &[], None).await
}

/// An `application/x-www-form-urlencoded` body.
pub fn urlencoded(fields: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

/// `POST path` of a form, with a `cookie` header (if any), as it is.
pub async fn post(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Page {
    let body = ("application/x-www-form-urlencoded", urlencoded(fields));
    send(app, "POST", path, cookie, &[], Some(body)).await
}

/// A `multipart/form-data` body of a `_csrf` field (if any) and a file.
pub fn multipart(csrf: Option<&str>, file: &[u8]) -> (String, Vec<u8>) {
    multipart_named(csrf, "links.csv", file)
}

/// [`multipart`] with the file's name (empty when no file was chosen).
pub fn multipart_named(csrf: Option<&str>, filename: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "waylink-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(token) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The sign-in page: its `waylink_sign_in` cookie pair and form token.
pub async fn sign_in_form(app: &TestApp) -> (String, String) {
    let page = get(app, "/dashboard/sign-in", None).await;
    page.assert_page(200);
    let cookie = page.set_cookie(SIGN_IN).expect("a sign-in cookie");
    (pair_of(&cookie).to_owned(), page.csrf())
}

/// Posts `api_key` on a freshly loaded sign-in form.
pub async fn submit_key(app: &TestApp, key: &str, headers: &[(&str, &str)]) -> Page {
    let (cookie, token) = sign_in_form(app).await;
    let body = urlencoded(&[("_csrf", &token), ("api_key", key)]);
    send(
        app,
        "POST",
        "/dashboard/sign-in",
        Some(&cookie),
        headers,
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await
}

/// A signed-in browser: its session cookie and the session's CSRF token.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    /// The `waylink_session=...` pair sent with every request.
    pub cookie: String,
    /// The session's CSRF token, read from a page.
    pub csrf: String,
}

/// Signs in with `key` as a browser does, and reads the CSRF token.
pub async fn sign_in(app: &TestApp, key: &str) -> Browser {
    let answer = submit_key(app, key, &[]).await;
    assert_eq!(answer.location(), "/dashboard/templates");
    let cookie = pair_of(&answer.set_cookie(SESSION).expect("a session cookie")).to_owned();
    let templates = get(app, "/dashboard/templates", Some(&cookie)).await;
    templates.assert_page(200);
    Browser {
        client: app.client.clone(),
        base: app.address.clone(),
        csrf: templates.csrf(),
        cookie,
    }
}

impl Browser {
    async fn send(&self, method: &str, path: &str, body: Option<(String, Vec<u8>)>) -> Page {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie);
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        Page::read(request.send().await.expect("the server answers")).await
    }

    /// `GET path` in this session.
    pub async fn get(&self, path: &str) -> Page {
        self.send("GET", path, None).await
    }

    /// Posts `fields` and this session's CSRF token to `path`.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly `fields` to `path` (the caller chooses the token).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = (
            "application/x-www-form-urlencoded".to_owned(),
            urlencoded(fields),
        );
        self.send("POST", path, Some(body)).await
    }

    /// Posts a form read from a page (it carries its own token).
    pub async fn submit(&self, path: &str, form: &Form) -> Page {
        self.post_raw(path, &form.pairs()).await
    }

    /// Uploads `file` to `path` with the token `csrf` (if any).
    pub async fn upload(&self, path: &str, csrf: Option<&str>, file: &[u8]) -> Page {
        self.send("POST", path, Some(multipart(csrf, file))).await
    }

    /// Posts a body of any content type to `path`.
    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.send("POST", path, Some((content_type.to_owned(), body)))
            .await
    }
}
