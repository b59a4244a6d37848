//! The one mapping from errors to HTTP responses.
//!
//! Handlers return [`ApiError`]; [`shape_errors`] then writes every error
//! response of the API in the shape its path promises: a JSON string for
//! the v1 short-link API (`"Not Found"`), `{"error_type", "message"}`
//! everywhere else. Rejections that axum makes by itself (wrong method,
//! body too large, undecodable path) go through the same table, so no
//! client ever sees a plain-text error.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use waylink_core::DomainError;
use waylink_store::StoreError;

/// What kind of failure, which fixes status, `error_type` and v1 body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A parameter is missing or malformed.
    InvalidParameter,
    /// Link data too large.
    LimitExceeded,
    /// Missing or unknown key.
    AuthenticationFailure,
    /// `brand_domain` is not one of the template's.
    WrongBrandDomain,
    /// Unknown, or another account's.
    NotFound,
    /// Something with this id or name exists.
    Conflict,
    /// The daily quota is used up.
    QuotaExceeded,
    /// Too many requests this second.
    RateLimitExceeded,
    /// The path exists, the method does not.
    MethodNotAllowed,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// The database cannot be reached.
    Unavailable,
    /// A fault of the server.
    Internal,
}

/// The table of error codes: status, `error_type`, and the fixed v1 body
/// (`None`: the v1 body is the message itself).
const fn describe(kind: ErrorKind) -> (StatusCode, &'static str, Option<&'static str>) {
    use ErrorKind::*;
    match kind {
        InvalidParameter => (StatusCode::BAD_REQUEST, "invalid_parameter", None),
        LimitExceeded => (
            StatusCode::BAD_REQUEST,
            "limit_exceeded",
            Some("Data sent exceeds limit"),
        ),
        AuthenticationFailure => (
            StatusCode::UNAUTHORIZED,
            "authentication_failure",
            Some("Authentication Failed"),
        ),
        WrongBrandDomain => (
            StatusCode::FORBIDDEN,
            "wrong_brand_domain",
            Some("Brand domain mismatch"),
        ),
        NotFound => (StatusCode::NOT_FOUND, "not_found", Some("Not Found")),
        Conflict => (StatusCode::CONFLICT, "conflict", None),
        QuotaExceeded => (
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
            Some("Daily quota exceeded"),
        ),
        RateLimitExceeded => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            Some("Rate limit exceeded"),
        ),
        MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None),
        PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "limit_exceeded", None),
        Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
        Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", None),
    }
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// A sentence the user can act on.
    pub message: String,
    /// The parameter at fault, for `invalid_parameter`.
    pub parameter: Option<String>,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            parameter: None,
        }
    }

    /// 400 naming `parameter`.
    pub fn invalid(parameter: &str, message: impl Into<String>) -> Self {
        ApiError {
            kind: ErrorKind::InvalidParameter,
            message: message.into(),
            parameter: Some(parameter.to_owned()),
        }
    }

    /// 404 for anything unknown or belonging to another account: the answer
    /// is the same in both cases, by design.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(ErrorKind::NotFound, format!("{what} was not found"))
    }

    /// 401.
    pub fn unauthenticated() -> Self {
        ApiError::new(
            ErrorKind::AuthenticationFailure,
            "Authentication Failed: send a valid key in the authorization header",
        )
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        describe(self.kind).0
    }

    /// The `{error_type, message}` body of this error.
    pub fn v2_body(&self) -> serde_json::Value {
        let (_, error_type, _) = describe(self.kind);
        let mut body = json!({"error_type": error_type, "message": self.message});
        if let Some(p) = &self.parameter {
            body["parameter"] = json!(p);
        }
        body
    }

    fn v1_body(&self) -> serde_json::Value {
        let (_, _, fixed) = describe(self.kind);
        json!(fixed.unwrap_or(&self.message))
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { parameter, message } => ApiError {
                kind: ErrorKind::InvalidParameter,
                message,
                parameter: Some(parameter),
            },
            DomainError::DataLimit { .. } => ApiError::new(ErrorKind::LimitExceeded, e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(message) => ApiError::new(ErrorKind::Conflict, message),
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                ApiError::new(
                    ErrorKind::Unavailable,
                    "The database is unavailable; try again in a few seconds",
                )
            }
            StoreError::Internal(detail) => {
                tracing::error!(%detail, "storage failure");
                ApiError::new(
                    ErrorKind::Internal,
                    "The server failed to complete the request; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.v2_body())).into_response();
        // Kept for `shape_errors`, which re-renders it for v1 paths.
        response.extensions_mut().insert(self);
        response
    }
}

/// The error shape a path promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    V1String,
    Object,
}

fn shape_of(path: &str) -> Option<Shape> {
    if path.starts_with("/shortlink/v1/") || path == "/shortlink/v1" {
        Some(Shape::V1String)
    } else if ["/api/", "/admin/", "/sdk/", "/shortlink-sdk/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        Some(Shape::Object)
    } else {
        None
    }
}

/// Middleware: gives every error response of an API path its promised shape.
pub async fn shape_errors(request: Request, next: Next) -> Response {
    let Some(shape) = shape_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let error = match parts.extensions.remove::<ApiError>() {
        Some(error) => error,
        None => from_rejection(status, body).await,
    };
    let body = match shape {
        Shape::V1String => error.v1_body(),
        Shape::Object => error.v2_body(),
    };
    parts.status = error.status();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// An [`ApiError`] for a response axum made by itself.
async fn from_rejection(status: StatusCode, body: Body) -> ApiError {
    let text = to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            ErrorKind::MethodNotAllowed,
            "This method is not allowed on this path; see the allow header",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            ErrorKind::PayloadTooLarge,
            "The request body is larger than this route accepts",
        ),
        StatusCode::NOT_FOUND => ApiError::not_found("The path"),
        StatusCode::UNAUTHORIZED => ApiError::unauthenticated(),
        s if s.is_client_error() => {
            let message = if text.is_empty() {
                "The request is malformed".to_owned()
            } else {
                text
            };
            ApiError::new(ErrorKind::InvalidParameter, message)
        }
        _ => {
            tracing::error!(%status, %text, "unexpected error response");
            ApiError::new(
                ErrorKind::Internal,
                "The server failed to complete the request; it has been logged",
            )
        }
    }
}
