//! Dashboard sessions: a signed cookie rather than a stored row.
//!
//! Signing in exchanges an API key for a cookie that holds the account id,
//! the hash of the key, an expiry and a random nonce, signed with
//! HMAC-SHA256 under a server secret every node shares (so any node serves
//! any request). The key itself never reaches the browser. Every request
//! looks the key up again, through the one-second key cache: revoking the
//! key ends its sessions on every node. The CSRF token of a session is an
//! HMAC of its nonce, so forms need no server-side state either.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use waylink_core::clock::Timestamp;
use waylink_core::keys::{hash_key, secrets_match};
use waylink_core::random::{ALPHANUMERIC, random_string};
use waylink_core::template::Template;

use crate::auth::{Caller, account_of_key_hash};
use crate::error::ApiError;
use crate::links::owned_template;
use crate::state::AppState;

/// The cookie of a signed-in browser.
pub const SESSION_COOKIE: &str = "waylink_session";
/// The cookie that ties the sign-in form to the browser that loaded it.
pub const SIGN_IN_COOKIE: &str = "waylink_sign_in";
/// How long a session lasts after signing in: a working day.
pub const SESSION_LIFETIME_MS: i64 = 8 * 3_600_000;

/// What the session cookie carries, signed.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The account.
    account: String,
    /// The hash of the key signed in with.
    key_hash: String,
    /// When the session ends, in Unix milliseconds.
    expires: i64,
    /// Random: what the CSRF token is derived from.
    nonce: String,
}

/// A signed-in browser: the account it acts for and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account, as the API handlers take it.
    pub caller: Caller,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl Session {
    /// True when `token` is this session's CSRF token.
    pub fn csrf_matches(&self, token: &str) -> bool {
        secrets_match(token, &self.csrf)
    }
}

fn mac(state: &AppState, parts: &[&[u8]]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; the error case cannot happen.
    let mut mac = Hmac::<Sha256>::new_from_slice(&state.session_key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    for part in parts {
        mac.update(part);
        mac.update(b"\x00");
    }
    mac
}

fn csrf_token(state: &AppState, nonce: &str) -> String {
    URL_SAFE_NO_PAD.encode(
        mac(state, &[b"csrf", nonce.as_bytes()])
            .finalize()
            .into_bytes(),
    )
}

/// The cookie value of a new session for the account of `key`, and when
/// it ends.
pub fn issue(state: &AppState, account_id: &str, key: &str, now: Timestamp) -> String {
    let claims = Claims {
        account: account_id.to_owned(),
        key_hash: hash_key(key),
        expires: now.as_millis() + SESSION_LIFETIME_MS,
        nonce: random_string(22, ALPHANUMERIC),
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signature = mac(state, &[b"session", payload.as_bytes()])
        .finalize()
        .into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn verify(state: &AppState, value: &str, now: Timestamp) -> Option<Claims> {
    let (payload, signature) = value.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(state, &[b"session", payload.as_bytes()])
        .verify_slice(&signature)
        .ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.expires > now.as_millis()).then_some(claims)
}

/// The value of cookie `name` in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// A `set-cookie` value for the dashboard's paths: HttpOnly,
/// SameSite=Strict, and Secure when the browser came over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path=/dashboard; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    )
}

/// True when the browser reached the server over https: the public
/// scheme says so, or a proxy says it terminated TLS.
pub fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.public.scheme == "https"
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The session of a request, if its cookie is valid, unexpired, and its
/// key is still live. `Err` only when the database cannot be asked.
pub async fn current(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, ApiError> {
    let Some(claims) =
        cookie(headers, SESSION_COOKIE).and_then(|v| verify(state, v, state.clock.now()))
    else {
        return Ok(None);
    };
    let account = match account_of_key_hash(state, claims.key_hash).await {
        Ok(account) if account.account_id == claims.account => account,
        Ok(_) => return Ok(None),
        Err(e) if e.status().is_client_error() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Session {
        caller: Caller::new(state, account),
        csrf: csrf_token(state, &claims.nonce),
    }))
}

/// A signed-in request on one of the account's templates: the `{tid}` of
/// the path, read for the session's account. Another account's template
/// is the same 404 page as an unknown one.
pub struct OnTemplate {
    /// The session.
    pub session: Session,
    /// The template.
    pub template: Template,
}

impl FromRequestParts<Arc<AppState>> for OnTemplate {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        let tid = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| {
                p.iter()
                    .find(|(k, _)| *k == "tid")
                    .map(|(_, v)| v.to_owned())
            })
            .unwrap_or_default();
        match owned_template(state, &session.caller, &tid).await {
            Ok(template) => Ok(OnTemplate { session, template }),
            Err(e) => Err(super::layout::error_page(Some(&session), &e)),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Session {
    type Rejection = Response;

    /// A page that needs a session sends a browser without one to sign in.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        match current(state, &parts.headers).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(Redirect::to("/dashboard/sign-in").into_response()),
            Err(e) => Err(super::layout::error_page(None, &e)),
        }
    }
}
