//! The short-link API in AppsFlyer's v2 shape: `/api/v2.0/shortlinks/...`,
//! JSON-object answers, `{error_type, message}` errors, QR codes, quota.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde_json::{Value, json};
use waylink_core::quota::quota_resets_at;
use waylink_core::ttl::ApiVersion;

use super::shortlinks_v1::data_object;
use crate::auth::{Caller, charge_quota};
use crate::error::ApiError;
use crate::links::{self, json_object, owned_template, read_link_request};
use crate::state::AppState;

/// `POST /api/v2.0/shortlinks/{tid}`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let template = owned_template(&state, &caller, &tid).await?;
    let request = read_link_request(&json_object(&body)?, ApiVersion::V2)?;
    let url = links::create(&state, &template, request).await?;
    Ok(Json(json!({"shortlink_url": url})))
}

/// `GET /api/v2.0/shortlinks/{tid}/{sid}`: data, expiry and seconds left.
pub async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((tid, sid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let template = owned_template(&state, &caller, &tid).await?;
    let link = links::read(&state, &template, &sid).await?;
    let now = state.clock.now();
    Ok(Json(json!({
        "payload": data_object(&link.data),
        "expiry": link.expires_at.to_rfc3339(),
        "ttl": link.seconds_left(now),
    })))
}

/// `PUT /api/v2.0/shortlinks/{tid}/{sid}`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((tid, sid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let template = owned_template(&state, &caller, &tid).await?;
    let request = read_link_request(&json_object(&body)?, ApiVersion::V2)?;
    let url = links::update(&state, &template, &sid, request).await?;
    Ok(Json(json!({"shortlink_url": url})))
}

/// `DELETE /api/v2.0/shortlinks/{tid}/{sid}`: answers `"ok"`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((tid, sid)): Path<(String, String)>,
) -> Result<Json<&'static str>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let template = owned_template(&state, &caller, &tid).await?;
    links::delete(&state, &template, &sid).await?;
    Ok(Json("ok"))
}

/// `GET /api/v2.0/shortlinks-quota`.
pub async fn quota(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let now = state.clock.now();
    let used = state
        .store
        .quota_used(&caller.account.account_id, now)
        .await?;
    Ok(Json(json!({
        "remaining_api_calls": caller.limits.remaining(used),
        "daily_quota": caller.limits.daily_quota,
        "resets_at": quota_resets_at(now).to_rfc3339(),
    })))
}
