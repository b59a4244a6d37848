//! Posted forms: read as ordered pairs (a form may repeat a name, as the
//! custom parameter rows do) and accepted only with the session's CSRF
//! token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::{Nav, page};
use super::session::Session;
use crate::state::AppState;

/// The name of the hidden field that carries the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// The fields of a posted form, in order.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Reads an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name`, in order, blank ones included.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The lines of a text area, trimmed, blank ones dropped.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A form posted by a signed-in browser with the right CSRF token.
pub struct SignedForm {
    /// The session that posted it.
    pub session: Session,
    /// Its fields.
    pub fields: Fields,
}

/// The answer to a post without the right token: nothing is changed.
pub fn csrf_rejected(session: Option<&Session>) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Form expired",
        session,
        Nav::None,
        html! {
            h1 { "This form has expired" }
            div.error role="alert" {
                "The form did not carry this session's security token, so nothing was changed. Go back, reload the page and submit it again."
            }
        },
    )
}

impl FromRequest<Arc<AppState>> for SignedForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = Fields::parse(&body);
        match fields.0.iter().find(|(k, _)| k == CSRF_FIELD) {
            Some((_, token)) if session.csrf_matches(token) => Ok(SignedForm { session, fields }),
            _ => Err(csrf_rejected(Some(&session))),
        }
    }
}
