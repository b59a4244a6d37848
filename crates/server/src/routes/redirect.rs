//! Clicks: `/{tid}/{sid}` (short links), `/{tid}` and `/{tid}/` (long
//! links) on any host that serves the template, answered by the decision
//! table of the core and recorded through the click queue.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use waylink_core::click::{Click, advertising_id, generate_click_id};
use waylink_core::ids::ShortlinkId;
use waylink_core::routing::{self, Destination, LinkSource};
use waylink_core::user_agent::{DeviceKind, Visitor, classify};

use crate::client_ip::{client_ip, ip_hash};
use crate::error::ApiError;
use crate::links::query_pairs;
use crate::lookup::{live_link, template_for};
use crate::pages;
use crate::state::AppState;

/// The host of a request, lower-cased, from `host` or the URI.
pub fn request_host(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `GET|HEAD /{tid}`: a long link.
pub async fn long_link(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    uri: axum::http::Uri,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    // A path that does not decode (invalid UTF-8) names no template.
    let Ok(Path(tid)) = path else {
        return respond(Err(ApiError::not_found("The template")));
    };
    let visit = Visit {
        peer,
        method: &method,
        headers: &headers,
        uri: &uri,
        query: query.as_deref(),
    };
    respond(click(&state, &visit, &tid, None).await)
}

/// `GET|HEAD /{tid}/{sid}`: a short link.
pub async fn short_link(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    uri: axum::http::Uri,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    // A segment that is not UTF-8 once decoded names no template and no
    // live link; read lossily, it routes as such.
    let (tid, sid) = match path {
        Ok(Path(ids)) => ids,
        Err(_) => {
            let mut segments = uri.path().split('/').skip(1).map(decode_lossy);
            let tid = segments.next().unwrap_or_default();
            (tid, segments.next().unwrap_or_default())
        }
    };
    let visit = Visit {
        peer,
        method: &method,
        headers: &headers,
        uri: &uri,
        query: query.as_deref(),
    };
    respond(click(&state, &visit, &tid, Some(&sid)).await)
}

/// A percent-encoded path segment, decoded; bytes that are not UTF-8
/// become U+FFFD.
fn decode_lossy(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = match bytes.get(i + 1..i + 3) {
            Some(&[a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => {
                let digit = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                Some(digit(a) * 16 + digit(b))
            }
            _ => None,
        };
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(outcome: Result<Response, ApiError>) -> Response {
    let mut response = match outcome {
        Ok(r) => r,
        Err(e) if e.status() == StatusCode::NOT_FOUND => pages::not_found(),
        Err(e) => e.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The request of a click, as the handlers extracted it.
struct Visit<'a> {
    peer: SocketAddr,
    method: &'a Method,
    headers: &'a HeaderMap,
    uri: &'a axum::http::Uri,
    query: Option<&'a str>,
}

async fn click(
    state: &AppState,
    visit: &Visit<'_>,
    tid: &str,
    sid: Option<&str>,
) -> Result<Response, ApiError> {
    let Visit {
        peer,
        method,
        headers,
        uri,
        query: raw_query,
    } = *visit;
    let host = request_host(headers, uri);
    let template = template_for(state, &host, tid)
        .await?
        .ok_or_else(|| ApiError::not_found("The template"))?;
    let now = state.clock.now();
    let stored = match sid.map(ShortlinkId::parse) {
        Some(Ok(id)) => live_link(state, &template, &id, now).await?,
        _ => None,
    };
    let link = match (&stored, sid) {
        (Some(l), _) => LinkSource::Short(&l.data),
        (None, Some(_)) => LinkSource::Missing,
        (None, None) => LinkSource::Long,
    };
    let query = query_pairs(raw_query);
    let own_hosts: Vec<String> = std::iter::once(state.public.template_host(&template))
        .chain(template.brand_domains.iter().cloned())
        .collect();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let missing = matches!(link, LinkSource::Missing);
    let click_id = generate_click_id(now);
    let mut decision = routing::Click {
        template: &template,
        device: DeviceKind::Desktop,
        link,
        query: &query,
        click_id: (!missing).then_some(click_id.as_str()),
        own_hosts: &own_hosts,
    };
    let device = match classify(user_agent) {
        Visitor::Crawler => {
            return Ok(pages::preview(
                &routing::preview(&decision),
                &link_url(state, &host, uri),
            ));
        }
        Visitor::Person(device) => device,
    };
    decision.device = device.kind;
    let destination = routing::decide(&decision);
    if method != Method::HEAD {
        let data = decision.merged_data();
        let ip = client_ip(peer, headers, &state.trusted_proxies);
        state.clicks.submit(Click {
            advertising_id: advertising_id(&data, device.kind),
            click_id: click_id.clone(),
            at: now,
            template_id: template.id.clone(),
            shortlink_id: sid.map(str::to_owned),
            data,
            device: device.kind,
            os_version: device.os_version,
            device_model: device.device_model,
            referer: headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(|r| r.chars().take(2048).collect()),
            ip_hash: Some(ip_hash(&state.ip_hash_key, ip)),
            expired: missing,
        });
    }
    Ok(match destination {
        Destination::Redirect(url) => redirect(&url),
        Destination::OpenAppPage {
            deep_link,
            fallback,
        } => pages::open_app(&routing::preview(&decision).title, &deep_link, &fallback),
        Destination::DesktopPage => {
            pages::desktop(&routing::preview(&decision), &link_url(state, &host, uri))
        }
    })
}

fn redirect(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        // The core only hands out serialized URLs; this is a guard, not a path.
        Err(_) => pages::not_found(),
    }
}

/// The URL the visitor opened, for previews and QR codes.
fn link_url(state: &AppState, host: &str, uri: &axum::http::Uri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    format!("{}://{}{}", state.public.scheme, host, path)
}
