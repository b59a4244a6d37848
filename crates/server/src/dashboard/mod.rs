//! The marketer's dashboard at `/dashboard`: server-rendered HTML pages on
//! the same handlers the JSON APIs use, so a link made here is checked,
//! counted and cached exactly like one made through the API.
//!
//! - [`session`]: sign-in with an API key gives a signed, HttpOnly,
//!   SameSite=Strict session cookie; the key never reaches the browser.
//! - [`form`]: every posted form must carry the session's CSRF token.
//! - [`layout`]: the page shell; `maud` escapes every value shown.
//! - [`templates`], [`links`], [`builder`], [`stats`], [`bulk`]: the pages.
//!
//! Assets (one stylesheet, one small script) are embedded in the binary;
//! pages work without the script, which only adds copy buttons, sortable
//! tables and more custom-parameter rows.

pub mod builder;
pub mod bulk;
pub mod form;
pub mod layout;
pub mod links;
pub mod session;
pub mod sign_in;
pub mod stats;
pub mod templates;

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::{Router, middleware};

use crate::error::{ApiError, ErrorKind};
use crate::qr;
use crate::state::AppState;
use session::Session;

/// The dashboard's routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dashboard", get(home))
        .route("/dashboard/", get(home))
        .route("/dashboard/assets/{file}", get(layout::asset))
        .route(
            "/dashboard/sign-in",
            get(sign_in::show).post(sign_in::submit),
        )
        .route("/dashboard/sign-out", post(sign_in::sign_out))
        .route(
            "/dashboard/templates",
            get(templates::list).post(templates::create),
        )
        .route("/dashboard/templates/new", get(templates::new))
        .route("/dashboard/templates/{tid}", post(templates::update))
        .route("/dashboard/templates/{tid}/edit", get(templates::edit))
        .route(
            "/dashboard/templates/{tid}/links",
            get(links::list).post(links::create),
        )
        .route("/dashboard/templates/{tid}/links/new", get(links::new))
        .route(
            "/dashboard/templates/{tid}/links/{sid}",
            get(links::show).post(links::update),
        )
        .route(
            "/dashboard/templates/{tid}/links/{sid}/delete",
            post(links::delete),
        )
        .route(
            "/dashboard/templates/{tid}/links/{sid}/{file}",
            get(qr_image),
        )
        .route("/dashboard/templates/{tid}/stats", get(stats::show))
        .route("/dashboard/templates/{tid}/stats.csv", get(stats::csv))
        .route(
            "/dashboard/templates/{tid}/bulk",
            get(bulk::show)
                .post(bulk::upload)
                .layer(DefaultBodyLimit::max(bulk::MAX_UPLOAD_BYTES)),
        )
        // Without it, `/dashboard/{x}` would be routed as a click on a
        // short link `{x}` of a template `dashboard`.
        .route("/dashboard/{*rest}", any(unknown))
        .layer(middleware::map_response(html_errors))
}

/// Any other path under `/dashboard/`: the dashboard's 404 page.
async fn unknown() -> Response {
    layout::error_page(None, &ApiError::not_found("The page"))
}

/// Makes every client error of a dashboard path a page: the answers axum
/// gives before a handler runs (a wrong method, a path that does not
/// decode, an unreadable upload, a body over the limit) are plain text or
/// empty, which a browser would show as a blank or raw page.
async fn html_errors(response: Response) -> Response {
    let status = response.status();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if !status.is_client_error() || html {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            "This address only takes a submitted form; go back and open the page again".to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "What was sent is larger than this page accepts; send less, or split the file"
                .to_owned()
        }
        _ if text.is_empty() => "The request could not be read; go back and try again".to_owned(),
        _ => format!("The request could not be read ({text}); go back and try again"),
    };
    let mut page = layout::error_page(None, &ApiError::new(ErrorKind::InvalidParameter, message));
    *page.status_mut() = status;
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
}

/// `GET /dashboard`: the templates, or the sign-in page.
async fn home() -> Redirect {
    Redirect::to("/dashboard/templates")
}

/// `GET .../links/{sid}/qr.png` and `qr.svg`: the link's QR code.
async fn qr_image(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path((tid, sid, file)): Path<(String, String, String)>,
) -> Response {
    let mime = match file.as_str() {
        "qr.png" => "image/png",
        "qr.svg" => "image/svg+xml",
        _ => return layout::error_page(Some(&session), &ApiError::not_found("The page")),
    };
    let (template, link) = match links::owned_link(&state, &session, &tid, &sid).await {
        Ok(found) => found,
        Err(e) => return layout::error_page(Some(&session), &e),
    };
    let url = state
        .public
        .short_url(&template, link.brand_domain.as_deref(), &link.shortlink_id);
    let image = match mime {
        "image/png" => qr::png(&url, 600),
        _ => qr::svg(&url, 600).map(String::into_bytes),
    };
    match image {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            response
        }
        Err(e) => layout::error_page(
            Some(&session),
            &ApiError::new(
                ErrorKind::Internal,
                format!("The QR code could not be made: {e}"),
            ),
        ),
    }
}
