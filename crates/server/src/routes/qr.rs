//! `GET /api/v2.0/shortlinks/{tid}/{sid}/qr`: the link's QR code.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::links::{self, owned_template, query_value};
use crate::qr::{self, SIZE_RANGE};
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Svg,
}

/// The QR code of a live link: a data URL in JSON, or with
/// `accept: image/png` / `image/svg+xml` the image itself.
pub async fn qr_code(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((tid, sid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let size = match query_value(query.as_deref(), "size") {
        None => 300,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|s| SIZE_RANGE.contains(s))
            .ok_or_else(|| {
                ApiError::invalid(
                    "size",
                    format!(
                        "size must be a whole number of pixels from {} to {}",
                        SIZE_RANGE.start(),
                        SIZE_RANGE.end()
                    ),
                )
            })?,
    };
    let mut format = match query_value(query.as_deref(), "format").as_deref() {
        None | Some("png") => Format::Png,
        Some("svg") => Format::Svg,
        Some(_) => return Err(ApiError::invalid("format", "format must be png or svg")),
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let raw = if accept.contains("image/png") {
        format = Format::Png;
        true
    } else if accept.contains("image/svg+xml") {
        format = Format::Svg;
        true
    } else {
        false
    };
    let template = owned_template(&state, &caller, &tid).await?;
    let link = links::read(&state, &template, &sid).await?;
    let url = state
        .public
        .short_url(&template, link.brand_domain.as_deref(), &link.shortlink_id);
    let failed = |e: qr::QrError| {
        ApiError::new(
            ErrorKind::Internal,
            format!("The QR code could not be made: {e}"),
        )
    };
    let (bytes, mime) = match format {
        Format::Png => (qr::png(&url, size).map_err(failed)?, "image/png"),
        Format::Svg => (
            qr::svg(&url, size).map_err(failed)?.into_bytes(),
            "image/svg+xml",
        ),
    };
    if raw {
        let mut response = bytes.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
        return Ok(response);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok(axum::Json(json!({"qr": format!("data:{mime};base64,{encoded}")})).into_response())
}
