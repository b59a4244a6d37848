//! The well-known files of a host, built from the apps of every template
//! that host serves: `apple-app-site-association` (iOS Universal Links) and
//! `assetlinks.json` (Android App Links).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};
use waylink_core::app::Platform;
use waylink_core::template::Template;

use super::redirect::{HostTemplates, host_templates, request_host};
use crate::error::ApiError;
use crate::state::AppState;

async fn templates_of(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Vec<Template>, ApiError> {
    match host_templates(state, &request_host(headers, uri)).await? {
        HostTemplates::Only(list) if !list.is_empty() => Ok(list),
        _ => Err(ApiError::not_found("A template on this host")),
    }
}

/// `GET /.well-known/apple-app-site-association` (and `/apple-app-site-association`).
pub async fn apple_app_site_association(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let templates = templates_of(&state, &headers, &uri).await?;
    let mut app_ids: Vec<String> = templates
        .iter()
        .filter_map(|t| t.ios_app_id.clone())
        .collect();
    app_ids.sort();
    app_ids.dedup();
    let apps = state.store.apps_by_ids(&app_ids).await?;
    let details: Vec<Value> = apps
        .iter()
        .filter(|app| app.platform == Platform::Ios)
        .filter_map(|app| {
            let app_id = format!("{}.{}", app.team_id.as_deref()?, app.bundle_id.as_deref()?);
            let ids: Vec<&str> = templates
                .iter()
                .filter(|t| t.ios_app_id.as_deref() == Some(app.app_id.as_str()))
                .map(|t| t.id.as_str())
                .collect();
            let paths: Vec<String> = ids.iter().flat_map(|id| [format!("/{id}/*"), format!("/{id}")]).collect();
            let components: Vec<Value> = paths.iter().map(|p| json!({"/": p})).collect();
            Some(json!({"appID": app_id, "appIDs": [app_id], "paths": paths, "components": components}))
        })
        .collect();
    Ok(Json(json!({"applinks": {"apps": [], "details": details}})))
}

/// `GET /.well-known/assetlinks.json`.
pub async fn assetlinks(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let templates = templates_of(&state, &headers, &uri).await?;
    let mut app_ids: Vec<String> = templates
        .iter()
        .filter_map(|t| t.android_app_id.clone())
        .collect();
    app_ids.sort();
    app_ids.dedup();
    let apps = state.store.apps_by_ids(&app_ids).await?;
    let statements: Vec<Value> = apps
        .iter()
        .filter(|app| app.platform == Platform::Android)
        .map(|app| {
            json!({
                "relation": ["delegate_permission/common.handle_all_urls"],
                "target": {"namespace": "android_app", "package_name": app.app_id, "sha256_cert_fingerprints": app.sha256_cert_fingerprints}
            })
        })
        .collect();
    Ok(Json(Value::Array(statements)))
}
