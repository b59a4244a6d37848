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

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::error::{ApiError, ErrorKind};
use crate::links::owned_template;
use crate::qr;
use crate::state::AppState;
use session::Session;

/// The dashboard's routes.
pub fn router() -> Router<Arc<AppState>> {
    let t = "/dashboard/templates/{tid}";
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
        .route(t, post(templates::update))
        .route(&format!("{t}/edit"), get(templates::edit))
        .route(&format!("{t}/links"), get(links::list).post(links::create))
        .route(&format!("{t}/links/new"), get(links::new))
        .route(
            &format!("{t}/links/{{sid}}"),
            get(links::show).post(links::update),
        )
        .route(&format!("{t}/links/{{sid}}/delete"), post(links::delete))
        .route(&format!("{t}/links/{{sid}}/{{file}}"), get(qr_image))
        .route(&format!("{t}/stats"), get(stats::show))
        .route(&format!("{t}/stats.csv"), get(stats::csv))
        .route(
            &format!("{t}/bulk"),
            get(bulk::show)
                .post(bulk::upload)
                .layer(DefaultBodyLimit::max(bulk::MAX_UPLOAD_BYTES)),
        )
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
    let link = match owned_template(&state, &session.caller, &tid).await {
        Ok(t) => crate::links::read(&state, &t, &sid).await.map(|l| (t, l)),
        Err(e) => Err(e),
    };
    let (template, link) = match link {
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
