//! `/api/v1/apps`: the account's Android and iOS apps.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use waylink_core::app::App;
use waylink_core::keys::{KeyKind, NewKey};
use waylink_store::StoredKey;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::json_object;
use crate::state::AppState;

fn not_found() -> ApiError {
    ApiError::not_found("The app")
}

/// `POST /api/v1/apps`: registers an app; answers it with its SDK key,
/// shown this once.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let app = App::from_create_body(Value::Object(json_object(&body)?))?;
    let key = NewKey::generate(KeyKind::Sdk);
    let stored = StoredKey {
        hash: key.hash.clone(),
        hint: key.hint.clone(),
    };
    state
        .store
        .create_app(&caller.account.account_id, &app, &stored, state.clock.now())
        .await?;
    let mut body = json!(app);
    body["sdk_key"] = json!(key.secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/v1/apps`.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let apps = state.store.list_apps(&caller.account.account_id).await?;
    Ok(Json(json!({"apps": apps})))
}

/// `GET /api/v1/apps/{app_id}`.
pub async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(app_id): Path<String>,
) -> Result<Json<App>, ApiError> {
    let app = state
        .store
        .get_app(&caller.account.account_id, &app_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(app))
}

/// `PATCH /api/v1/apps/{app_id}`: a merge patch; platform and app id stay.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(app_id): Path<String>,
    body: Bytes,
) -> Result<Json<App>, ApiError> {
    let patch = Value::Object(json_object(&body)?);
    let account = &caller.account.account_id;
    let current = state
        .store
        .get_app(account, &app_id)
        .await?
        .ok_or_else(not_found)?;
    let app = current.patched(&patch)?;
    if !state.store.update_app(account, &app).await? {
        return Err(not_found());
    }
    Ok(Json(app))
}

/// `DELETE /api/v1/apps/{app_id}`: 409 while a template uses it.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(app_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .delete_app(&caller.account.account_id, &app_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
