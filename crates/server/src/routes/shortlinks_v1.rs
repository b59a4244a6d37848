//! The short-link API in AppsFlyer's v1 shape: `/shortlink/v1/{tid}`, the id
//! in `?id=`, JSON-string answers and errors.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Map, Value};
use waylink_core::ids::ShortlinkId;
use waylink_core::ttl::ApiVersion;

use crate::auth::{Caller, charge_quota};
use crate::error::ApiError;
use crate::links::{self, json_object, owned_template, query_value, read_link_request};
use crate::state::AppState;

fn required_id(query: Option<&str>) -> Result<String, ApiError> {
    query_value(query, "id").ok_or_else(|| {
        ApiError::invalid(
            "id",
            "give the short link's id in the query string: ?id={shortlink_id}",
        )
    })
}

/// `POST /shortlink/v1/{tid}`: answers the short URL as a JSON string.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<String>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let template = owned_template(&state, &caller, &tid).await?;
    let mut request = read_link_request(&json_object(&body)?, ApiVersion::V1)?;
    if request.shortlink_id.is_none()
        && let Some(id) = query_value(query.as_deref(), "id")
    {
        request.shortlink_id = Some(ShortlinkId::parse(&id)?);
    }
    Ok(Json(links::create(&state, &template, request).await?))
}

/// `GET /shortlink/v1/{tid}?id={sid}`: the link's data as a flat object.
pub async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Map<String, Value>>, ApiError> {
    let id = required_id(query.as_deref())?;
    let template = owned_template(&state, &caller, &tid).await?;
    let link = links::read(&state, &template, &id).await?;
    Ok(Json(data_object(&link.data)))
}

/// `PUT /shortlink/v1/{tid}?id={sid}`: replaces the data, resets the TTL.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<String>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let id = required_id(query.as_deref())?;
    let template = owned_template(&state, &caller, &tid).await?;
    let request = read_link_request(&json_object(&body)?, ApiVersion::V1)?;
    Ok(Json(links::update(&state, &template, &id, request).await?))
}

/// `DELETE /shortlink/v1/{tid}?id={sid}`: answers `"ok"`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<&'static str>, ApiError> {
    charge_quota(&state, &caller, 1).await?;
    let id = required_id(query.as_deref())?;
    let template = owned_template(&state, &caller, &tid).await?;
    links::delete(&state, &template, &id).await?;
    Ok(Json("ok"))
}

/// Link data as a flat JSON object of strings.
pub fn data_object(data: &waylink_core::link_data::LinkData) -> Map<String, Value> {
    data.as_map()
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}
