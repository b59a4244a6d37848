//! Signing in with an account API key, and out.
//!
//! The sign-in form is itself protected against cross-site posting: the
//! page sets a random SameSite=Strict cookie and carries the same value in
//! a hidden field, and the post must bring both.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use waylink_core::keys::secrets_match;
use waylink_core::random::{ALPHANUMERIC, random_string};

use super::form::{CSRF_FIELD, Fields, SignedForm, csrf_rejected};
use super::layout::{Nav, error_box, page};
use super::session::{
    self, SESSION_COOKIE, SESSION_LIFETIME_MS, SIGN_IN_COOKIE, cookie, over_https, set_cookie,
};
use crate::auth::account_of_key;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// How long a loaded sign-in form may be submitted.
const SIGN_IN_FORM_SECS: i64 = 3600;

fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&ApiError>,
) -> Response {
    let token = random_string(32, ALPHANUMERIC);
    let mut response = page(
        status,
        "Sign in",
        None,
        Nav::None,
        html! {
            section.narrow {
                h1 { "Sign in to Waylink" }
                p { "Paste an API key of your account. Your operator gives it to you; "
                    code { "waylink demo" } " prints one." }
                (error_box(error))
                form method="post" action="/dashboard/sign-in" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    label for="api_key" { "API key" }
                    input id="api_key" name="api_key" type="password" autocomplete="off" required autofocus;
                    button type="submit" { "Sign in" }
                }
                p.hint { "The key is not kept in your browser: it is exchanged for a session that lasts eight hours or until you sign out." }
            }
        },
    );
    let cookie = set_cookie(
        SIGN_IN_COOKIE,
        &token,
        SIGN_IN_FORM_SECS,
        over_https(state, headers),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /dashboard/sign-in`.
pub async fn show(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match session::current(&state, &headers).await {
        Ok(Some(_)) => Redirect::to("/dashboard/templates").into_response(),
        _ => sign_in_form(&state, &headers, StatusCode::OK, None),
    }
}

/// `POST /dashboard/sign-in`: a valid key gets a session cookie.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let posted = fields.get(CSRF_FIELD).unwrap_or_default();
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secrets_match(posted, expected) {
        return csrf_rejected(None);
    }
    let Some(key) = fields.get("api_key") else {
        let e = ApiError::invalid("api_key", "Paste your account's API key to sign in");
        return sign_in_form(&state, &headers, StatusCode::BAD_REQUEST, Some(&e));
    };
    let account = match account_of_key(&state, key).await {
        Ok(account) => account,
        Err(e) if e.kind == ErrorKind::AuthenticationFailure => {
            let e = ApiError::new(
                ErrorKind::AuthenticationFailure,
                "That API key is not valid: check that you pasted all of it, or ask your operator for a new one",
            );
            return sign_in_form(&state, &headers, StatusCode::UNAUTHORIZED, Some(&e));
        }
        Err(e) => return sign_in_form(&state, &headers, e.status(), Some(&e)),
    };
    let value = session::issue(&state, &account.account_id, key, state.clock.now());
    let secure = over_https(&state, &headers);
    let mut response = Redirect::to("/dashboard/templates").into_response();
    for cookie in [
        set_cookie(SESSION_COOKIE, &value, SESSION_LIFETIME_MS / 1000, secure),
        set_cookie(SIGN_IN_COOKIE, "", 0, secure),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `POST /dashboard/sign-out`: forgets the session cookie.
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    _form: SignedForm,
) -> Response {
    let mut response = Redirect::to("/dashboard/sign-in").into_response();
    let cookie = set_cookie(SESSION_COOKIE, "", 0, over_https(&state, &headers));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
