//! `/api/v1/templates`: the account's templates.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use waylink_core::app::Platform;
use waylink_core::ids::TemplateId;
use waylink_core::template::Template;
use waylink_store::{Changed, StoreError};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{json_object, owned_template};
use crate::state::AppState;

/// Fresh ids drawn for a template whose generated id was taken.
const ID_ATTEMPTS: usize = 5;

/// A template as the API shows it: its fields, its domain and the URLs of
/// its well-known files.
fn view(state: &AppState, t: &Template) -> Value {
    let mut body = json!(t);
    body["domain"] = json!(state.public.template_host(t));
    body["apple_app_site_association_url"] = json!(
        state
            .public
            .template_url(t, "/.well-known/apple-app-site-association")
    );
    body["assetlinks_url"] = json!(state.public.template_url(t, "/.well-known/assetlinks.json"));
    body
}

/// Checks what validation alone cannot: the apps are the account's own and
/// of the right platform, and no brand domain sits under the base domain.
async fn check_references(state: &AppState, caller: &Caller, t: &Template) -> Result<(), ApiError> {
    let account = &caller.account.account_id;
    for (field, app_id, platform) in [
        ("android_app_id", &t.android_app_id, Platform::Android),
        ("ios_app_id", &t.ios_app_id, Platform::Ios),
    ] {
        let Some(app_id) = app_id else { continue };
        match state.store.get_app(account, app_id).await? {
            Some(app) if app.platform == platform => {}
            _ => {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "{field} must name a {} app of this account; register it with POST /api/v1/apps first",
                        platform.as_str()
                    ),
                ));
            }
        }
    }
    if let Some(domain) = t
        .brand_domains
        .iter()
        .find(|d| state.public.is_under_base_domain(d))
    {
        return Err(ApiError::invalid(
            "brand_domains",
            format!(
                "{domain} is under the base domain, whose subdomains belong to templates; use a domain of your own"
            ),
        ));
    }
    Ok(())
}

/// `POST /api/v1/templates`.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_object(&body)?;
    let generated = !body.contains_key("id");
    let mut template = Template::from_create_body(Value::Object(body.clone()))?;
    check_references(&state, &caller, &template).await?;
    for _ in 0..ID_ATTEMPTS {
        match state
            .store
            .create_template(&caller.account.account_id, &template, state.clock.now())
            .await
        {
            Ok(()) => {
                state.cache.forget(&Changed::Template(template.id.clone()));
                return Ok((StatusCode::CREATED, Json(view(&state, &template))));
            }
            Err(StoreError::Conflict(m)) if generated && m.starts_with("the template id") => {
                template = Template::from_create_body(Value::Object(body.clone()))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        crate::error::ErrorKind::Conflict,
        "no free template id was found; give one in \"id\"",
    ))
}

/// `GET /api/v1/templates`.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    let templates = state
        .store
        .list_templates(&caller.account.account_id)
        .await?;
    let views: Vec<Value> = templates.iter().map(|t| view(&state, t)).collect();
    Ok(Json(json!({"templates": views})))
}

/// `GET /api/v1/templates/{id}`.
pub async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let template = owned_template(&state, &caller, &id).await?;
    Ok(Json(view(&state, &template)))
}

/// `PATCH /api/v1/templates/{id}`: a merge patch; the id stays.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let patch = Value::Object(json_object(&body)?);
    let current = owned_template(&state, &caller, &id).await?;
    let template = current.patched(&patch)?;
    check_references(&state, &caller, &template).await?;
    if !state
        .store
        .update_template(&caller.account.account_id, &template)
        .await?
    {
        return Err(ApiError::not_found("The template"));
    }
    state.cache.forget(&Changed::Template(template.id.clone()));
    Ok(Json(view(&state, &template)))
}

/// `DELETE /api/v1/templates/{id}`: the template and all its links.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .delete_template(&caller.account.account_id, &id)
        .await?
    {
        let template = TemplateId::from_stored(id);
        state.cache.forget(&Changed::TemplateDeleted(template));
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("The template"))
    }
}
