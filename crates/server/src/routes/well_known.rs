//! The well-known files of a host, built from the apps of every template
//! that host serves: `apple-app-site-association` (iOS Universal Links) and
//! `assetlinks.json` (Android App Links).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};
use waylink_core::app::{App, Platform};
use waylink_core::template::Template;

use super::redirect::request_host;
use crate::cache::HostTemplates;
use crate::error::ApiError;
use crate::lookup::host_templates;
use crate::state::AppState;

async fn templates_of(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Vec<Arc<Template>>, ApiError> {
    match &*host_templates(state, &request_host(headers, uri)).await? {
        HostTemplates::Only(list) if !list.is_empty() => Ok(list.clone()),
        _ => Err(ApiError::not_found("A template on this host")),
    }
}

/// The apps of `platform` that `templates` open, each once.
async fn apps_of(
    state: &AppState,
    templates: &[Arc<Template>],
    platform: Platform,
) -> Result<Vec<App>, ApiError> {
    let mut ids: Vec<String> = templates
        .iter()
        .filter_map(|t| match platform {
            Platform::Android => t.android_app_id.clone(),
            Platform::Ios => t.ios_app_id.clone(),
        })
        .collect();
    ids.sort();
    ids.dedup();
    let apps = state.store.apps_by_ids(&ids).await?;
    Ok(apps
        .into_iter()
        .filter(|app| app.platform == platform)
        .collect())
}

/// `GET /.well-known/apple-app-site-association` (and `/apple-app-site-association`).
pub async fn apple_app_site_association(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let templates = templates_of(&state, &headers, &uri).await?;
    let apps = apps_of(&state, &templates, Platform::Ios).await?;
    let details: Vec<Value> = apps
        .iter()
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
    let apps = apps_of(&state, &templates, Platform::Android).await?;
    let statements: Vec<Value> = apps
        .iter()
        .map(|app| {
            json!({
                "relation": ["delegate_permission/common.handle_all_urls"],
                "target": {"namespace": "android_app", "package_name": app.app_id, "sha256_cert_fingerprints": app.sha256_cert_fingerprints}
            })
        })
        .collect();
    Ok(Json(Value::Array(statements)))
}
