//! The page shell of the dashboard, its assets, and how errors show.
//!
//! Pages are rendered on the server with `maud`, which escapes every
//! interpolated value: a link parameter can hold any text and still only
//! ever shows as text. Each page is sent with a content security policy
//! that runs only the dashboard's own script and style files.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::Session;
use crate::error::ApiError;

/// The dashboard's stylesheet, embedded in the binary.
const STYLE: &str = include_str!("../../assets/dashboard.css");
/// The dashboard's script: copy buttons, sortable tables, custom rows.
const SCRIPT: &str = include_str!("../../assets/dashboard.js");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A section of the navigation, to mark the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// The template list and template pages.
    Templates,
    /// No section (sign-in, errors).
    None,
}

/// A whole page with `status`.
pub fn page(
    status: StatusCode,
    title: &str,
    session: Option<&Session>,
    nav: Nav,
    body: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Waylink" }
                link rel="stylesheet" href="/dashboard/assets/dashboard.css";
                script src="/dashboard/assets/dashboard.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the page" }
                header.top {
                    a.brand href="/dashboard" { "Waylink" }
                    @if let Some(session) = session {
                        nav aria-label="Main" {
                            a href="/dashboard/templates" aria-current=[(nav == Nav::Templates).then_some("page")] { "Templates" }
                        }
                        span.account { (session.caller.account.name) }
                        form.inline method="post" action="/dashboard/sign-out" {
                            (csrf_field(session))
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    };
    let mut response = (status, axum::response::Html(markup.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// The hidden field that carries the session's CSRF token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="_csrf" value=(session.csrf); }
}

/// A message box: what went wrong, in the API's own words.
pub fn error_box(error: Option<&ApiError>) -> Markup {
    html! {
        @if let Some(e) = error {
            div.error role="alert" {
                @if let Some(p) = &e.parameter { strong { (p) ": " } }
                (e.message)
            }
        }
    }
}

/// The page of an error that leaves nothing to show: 404, 503, ...
pub fn error_page(session: Option<&Session>, error: &ApiError) -> Response {
    let title = if error.status() == StatusCode::NOT_FOUND {
        "Not found"
    } else {
        "Something went wrong"
    };
    page(
        error.status(),
        title,
        session,
        Nav::None,
        html! {
            h1 { (title) }
            (error_box(Some(error)))
            p { a href="/dashboard/templates" { "Back to your templates" } }
        },
    )
}

/// `GET /dashboard/assets/{file}`: the embedded stylesheet and script.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "dashboard.css" => (STYLE, "text/css; charset=utf-8"),
        "dashboard.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        _ => return error_page(None, &ApiError::not_found("The file")),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
