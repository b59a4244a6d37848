//! The SDK API, with app keys: `POST /sdk/v1/launch`, `POST /sdk/v1/open`,
//! and the AppsFlyer-shaped resolver `GET /shortlink-sdk/v2/{tid}?id={sid}`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Extension, Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use waylink_core::app::{App, Platform};
use waylink_core::attribution::{InstallSignals, attribute, referrer_click_id};
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::install::{Install, Reengagement};
use waylink_core::keys::{hash_key, key_from_authorization};
use waylink_core::patch::from_json_body;
use waylink_core::payload::{
    OpenedLink, conversion_data, parse_link_url, udl_deferred, udl_error, udl_not_found,
};
use waylink_core::user_agent::{DeviceKind, Visitor, classify};
use waylink_store::CandidateQuery;

use super::shortlinks_v1::data_object;
use crate::client_ip::{client_ip, ip_hash};
use crate::error::ApiError;
use crate::links::{json_object, link_not_found, query_value};
use crate::state::AppState;

/// Clicks read per attribution method: the latest ones are enough, since
/// the latest eligible click wins.
const CANDIDATES_PER_METHOD: usize = 50;

/// The app whose key authenticated an SDK request.
#[derive(Debug, Clone)]
pub struct SdkCaller {
    /// The app.
    pub app: App,
}

/// Middleware of the SDK routes: the app key in `authorization`, else 401.
pub async fn app_guard(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(key_from_authorization)
        .filter(|k| k.len() <= 200);
    let Some(key) = key else {
        return ApiError::unauthenticated().into_response();
    };
    match state.store.app_by_sdk_key_hash(&hash_key(key)).await {
        Ok(Some((_, app))) => {
            request.extensions_mut().insert(SdkCaller { app });
            next.run(request).await
        }
        Ok(None) => ApiError::unauthenticated().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The body of a launch or an open.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaunchBody {
    device_id: String,
    platform: String,
    os_version: Option<String>,
    device_model: Option<String>,
    user_agent: Option<String>,
    advertising_id: Option<String>,
    install_referrer: Option<String>,
    deep_link_url: Option<String>,
}

fn bounded(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        )),
        Some(v) if v.is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn read_launch(body: &[u8], app: &App) -> Result<LaunchBody, ApiError> {
    let mut b: LaunchBody = from_json_body(Value::Object(json_object(body)?))?;
    let id_ok = (1..=128).contains(&b.device_id.len())
        && b.device_id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'));
    if !id_ok {
        return Err(ApiError::invalid(
            "device_id",
            "device_id must be 1 to 128 letters, digits, '-', '_', '.' or ':'",
        ));
    }
    let platform = Platform::parse(&b.platform)?;
    if platform != app.platform {
        return Err(ApiError::invalid(
            "platform",
            format!(
                "this key belongs to the {} app {}; the launch says {}",
                app.platform.as_str(),
                app.app_id,
                platform.as_str()
            ),
        ));
    }
    b.os_version = bounded("os_version", b.os_version, 32)?;
    b.device_model = bounded("device_model", b.device_model, 100)?;
    b.user_agent = bounded("user_agent", b.user_agent, 1024)?;
    b.advertising_id = bounded("advertising_id", b.advertising_id, 100)?;
    b.install_referrer = bounded("install_referrer", b.install_referrer, 2048)?;
    b.deep_link_url = bounded("deep_link_url", b.deep_link_url, 4096)?;
    Ok(b)
}

fn device_kind(platform: Platform) -> DeviceKind {
    match platform {
        Platform::Android => DeviceKind::Android,
        Platform::Ios => DeviceKind::Ios,
    }
}

/// `POST /sdk/v1/launch`: every app start. The first of a device is the
/// install, attributed once and for good.
pub async fn launch(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<SdkCaller>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = &caller.app;
    let b = read_launch(&body, app)?;
    let now = state.clock.now();
    let (install, first) = match state.store.get_install(&app.app_id, &b.device_id).await? {
        Some(install) => {
            state
                .store
                .touch_install(&app.app_id, &b.device_id, now)
                .await?;
            (install, false)
        }
        None => install(&state, app, &b, peer, &headers).await?,
    };
    let conversion = conversion_data(install.installed_at, &install.attribution, first);
    let (deep_link, open) = match &b.deep_link_url {
        // A failed lookup of the link must not cost the app its conversion
        // data: UDL reports it as ERROR instead.
        Some(url) => direct(&state, app, &b.device_id, url, !first)
            .await
            .unwrap_or_else(|e| (udl_error(&e.message), Value::Null)),
        None if first => (
            udl_deferred(
                install.installed_at,
                &install.attribution,
                app.udl_window_secs * 1000,
            ),
            Value::Null,
        ),
        None => (udl_not_found(), Value::Null),
    };
    Ok(Json(
        json!({"conversion_data": conversion, "deep_link": deep_link, "app_open_attribution": open}),
    ))
}

async fn install(
    state: &AppState,
    app: &App,
    b: &LaunchBody,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(Install, bool), ApiError> {
    let now = state.clock.now();
    let platform = device_kind(app.platform);
    let from_agent = b.user_agent.as_deref().map(classify);
    let agent_device = match &from_agent {
        Some(Visitor::Person(d)) => Some(d),
        _ => None,
    };
    let signals = InstallSignals {
        at: now,
        platform,
        referrer_click_id: b.install_referrer.as_deref().and_then(referrer_click_id),
        advertising_id: b.advertising_id.clone(),
        ip_hash: Some(ip_hash(
            &state.ip_hash_key,
            client_ip(peer, headers, &state.trusted_proxies),
        )),
        os_version: b
            .os_version
            .clone()
            .or_else(|| agent_device.and_then(|d| d.os_version.clone())),
        device_model: b
            .device_model
            .clone()
            .or_else(|| agent_device.and_then(|d| d.device_model.clone())),
    };
    let templates = state.store.templates_of_app(&app.app_id).await?;
    let candidates = state
        .store
        .attribution_candidates(&CandidateQuery {
            click_id: signals.referrer_click_id.clone(),
            advertising_id: signals.advertising_id.clone(),
            ip_hash: signals.ip_hash.clone(),
            platform,
            at: now,
            limit: CANDIDATES_PER_METHOD,
        })
        .await?;
    let install = Install {
        app_id: app.app_id.clone(),
        device_id: b.device_id.clone(),
        platform,
        installed_at: now,
        attribution: attribute(&signals, &templates, &candidates),
    };
    if state.store.create_install(&install).await? {
        return Ok((install, true));
    }
    // Another launch of the same device won the race: its outcome stands.
    let stored = state.store.get_install(&app.app_id, &b.device_id).await?;
    Ok((stored.unwrap_or(install), false))
}

/// Resolves a link the app was opened through; answers the UDL result and
/// the app-open attribution map (`null` when it cannot be resolved).
async fn direct(
    state: &AppState,
    app: &App,
    device_id: &str,
    url: &str,
    installed: bool,
) -> Result<(Value, Value), ApiError> {
    let Some(opened) = resolve(state, app, url).await? else {
        return Ok((udl_not_found(), Value::Null));
    };
    if installed
        && opened
            .data
            .get("is_retargeting")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        record_reengagement(state, app, device_id, url, &opened).await?;
    }
    Ok((
        opened.udl_direct(),
        Value::Object(opened.app_open_attribution()),
    ))
}

async fn record_reengagement(
    state: &AppState,
    app: &App,
    device_id: &str,
    url: &str,
    opened: &OpenedLink,
) -> Result<(), ApiError> {
    let Some((tid, _)) = parse_link_url(url).and_then(|u| u.ids) else {
        return Ok(());
    };
    state
        .store
        .record_reengagement(&Reengagement {
            app_id: app.app_id.clone(),
            device_id: device_id.to_owned(),
            at: state.clock.now(),
            platform: device_kind(app.platform),
            template_id: TemplateId::from_stored(tid),
            shortlink_id: opened.shortlink.clone(),
            pid: opened.data.get("pid").cloned(),
            campaign: opened.data.get("c").cloned(),
        })
        .await?;
    Ok(())
}

/// A link opened in the app: a short link of a template that uses the app
/// is read from storage; a long link of such a template, or a URI-scheme
/// link, is read from the URL itself.
async fn resolve(state: &AppState, app: &App, url: &str) -> Result<Option<OpenedLink>, ApiError> {
    let Some(parsed) = parse_link_url(url) else {
        return Ok(None);
    };
    let Some((tid, sid)) = parsed.ids.clone() else {
        // A URI-scheme link (`feedme://...`): nothing to look up.
        return Ok((!matches!(parsed.scheme.as_str(), "http" | "https"))
            .then(|| parsed.opened(None, None)));
    };
    let Some(template) = state.store.find_template(&tid).await? else {
        return Ok(None);
    };
    let uses_app = [&template.android_app_id, &template.ios_app_id]
        .iter()
        .any(|id| id.as_deref() == Some(app.app_id.as_str()));
    if !uses_app {
        return Ok(None);
    }
    match sid {
        None => Ok(Some(parsed.opened(None, None))),
        Some(sid) => {
            let Ok(id) = ShortlinkId::parse(&sid) else {
                return Ok(None);
            };
            let link = state
                .store
                .get_link(&template.id, &id, state.clock.now())
                .await?;
            Ok(link.map(|l| parsed.opened(Some(l.data.as_map()), Some(sid))))
        }
    }
}

/// `POST /sdk/v1/open`: a running app brought to the front by a link.
pub async fn open(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<SdkCaller>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = &caller.app;
    let b = read_launch(&body, app)?;
    let url = b.deep_link_url.as_deref().ok_or_else(|| {
        ApiError::invalid(
            "deep_link_url",
            "an open needs deep_link_url, the link the app was opened through",
        )
    })?;
    let installed = state
        .store
        .get_install(&app.app_id, &b.device_id)
        .await?
        .is_some();
    let (deep_link, open) = direct(&state, app, &b.device_id, url, installed).await?;
    Ok(Json(
        json!({"deep_link": deep_link, "app_open_attribution": open}),
    ))
}

/// `GET /shortlink-sdk/v2/{tid}?id={sid}`: a live link's data, for a
/// template that uses the calling app.
pub async fn resolve_shortlink(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<SdkCaller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Map<String, Value>>, ApiError> {
    let sid = query_value(query.as_deref(), "id")
        .ok_or_else(|| ApiError::invalid("id", "give the short link's id as ?id={shortlink_id}"))?;
    let template = state
        .store
        .find_template(&tid)
        .await?
        .ok_or_else(link_not_found)?;
    let app_id = Some(caller.app.app_id.as_str());
    if template.android_app_id.as_deref() != app_id && template.ios_app_id.as_deref() != app_id {
        return Err(link_not_found());
    }
    let id = ShortlinkId::parse(&sid).map_err(|_| link_not_found())?;
    let link = state
        .store
        .get_link(&template.id, &id, state.clock.now())
        .await?
        .ok_or_else(link_not_found)?;
    Ok(Json(data_object(&link.data)))
}
