//! The routes of the server, assembled into one router.

mod admin;
pub(crate) mod apps;
pub(crate) mod batch;
pub(crate) mod listing;
pub(crate) mod qr;
mod redirect;
mod sdk;
pub(crate) mod shortlinks_v1;
pub(crate) mod shortlinks_v2;
pub(crate) mod stats;
pub(crate) mod templates;
mod well_known;

use std::sync::Arc;

use std::sync::atomic::Ordering;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde_json::{Value, json};

use crate::auth::{account_guard, operator_guard};
use crate::error::{ApiError, shape_errors};
use crate::state::AppState;

/// Largest body of an ordinary request: a link's data is at most 2 KiB.
const BODY_LIMIT: usize = 256 * 1024;
/// Largest body of a batch: 10000 links of up to ~2 KiB each.
const BATCH_BODY_LIMIT: usize = 48 * 1024 * 1024;

/// The whole router.
pub fn router(state: Arc<AppState>) -> Router {
    let mut operator = Router::new()
        .route(
            "/admin/v1/accounts",
            post(admin::create_account).get(admin::list_accounts),
        )
        .route(
            "/admin/v1/accounts/{id}",
            get(admin::get_account).patch(admin::update_account),
        )
        .route(
            "/admin/v1/accounts/{id}/keys",
            post(admin::create_key).get(admin::list_keys),
        )
        .route(
            "/admin/v1/accounts/{id}/keys/{key_id}",
            axum::routing::delete(admin::revoke_key),
        );
    if state.test_clock.is_some() {
        operator = operator.route("/admin/v1/clock/advance", post(admin::advance_clock));
    }
    let operator = operator.route_layer(middleware::from_fn_with_state(
        state.clone(),
        operator_guard,
    ));

    let account = Router::new()
        .route("/api/v1/apps", post(apps::create).get(apps::list))
        .route(
            "/api/v1/apps/{app_id}",
            get(apps::read).patch(apps::update).delete(apps::delete),
        )
        .route(
            "/api/v1/templates",
            post(templates::create).get(templates::list),
        )
        .route(
            "/api/v1/templates/{id}",
            get(templates::read)
                .patch(templates::update)
                .delete(templates::delete),
        )
        .route("/api/v1/templates/{id}/links", get(listing::list_links))
        .route("/api/v1/templates/{id}/stats", get(stats::template_stats))
        .route(
            "/api/v1/templates/{id}/links/{sid}/stats",
            get(stats::link_stats),
        )
        .route(
            "/api/v1/templates/{id}/links:batch",
            post(batch::create_batch).layer(DefaultBodyLimit::max(BATCH_BODY_LIMIT)),
        )
        .route(
            "/shortlink/v1/{tid}",
            post(shortlinks_v1::create)
                .get(shortlinks_v1::read)
                .put(shortlinks_v1::update)
                .delete(shortlinks_v1::delete),
        )
        .route("/api/v2.0/shortlinks/{tid}", post(shortlinks_v2::create))
        .route(
            "/api/v2.0/shortlinks/{tid}/{sid}",
            get(shortlinks_v2::read)
                .put(shortlinks_v2::update)
                .delete(shortlinks_v2::delete),
        )
        .route("/api/v2.0/shortlinks/{tid}/{sid}/qr", get(qr::qr_code))
        .route("/api/v2.0/shortlinks-quota", get(shortlinks_v2::quota))
        .route_layer(middleware::from_fn_with_state(state.clone(), account_guard));

    let sdk = Router::new()
        .route("/sdk/v1/launch", post(sdk::launch))
        .route("/sdk/v1/open", post(sdk::open))
        .route("/shortlink-sdk/v2/{tid}", get(sdk::resolve_shortlink))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            sdk::app_guard,
        ));

    let redirects = Router::new()
        .route(
            "/.well-known/apple-app-site-association",
            get(well_known::apple_app_site_association),
        )
        .route(
            "/apple-app-site-association",
            get(well_known::apple_app_site_association),
        )
        .route("/.well-known/assetlinks.json", get(well_known::assetlinks))
        .route("/{tid}", get(redirect::long_link))
        .route("/{tid}/", get(redirect::long_link))
        .route("/{tid}/{sid}", get(redirect::short_link));

    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .merge(redirects)
        .merge(operator)
        .merge(sdk)
        .merge(account)
        .merge(crate::dashboard::router())
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(shape_errors))
        .with_state(state)
}

/// `GET /health`: the process is up and serving.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /ready`: 200 when this node can reach its database, else 503, so
/// that a load balancer sends traffic elsewhere while it cannot.
async fn ready(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(json!({"status": "ready"})))
}

/// `GET /metrics`: counters in the Prometheus text format.
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let m = state.clicks.metrics();
    let feed = &state.change_feed;
    let counter = |name: &str, help: &str, value: u64| {
        format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n")
    };
    let gauge = |name: &str, help: &str, value: u64| {
        format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n")
    };
    let body = [
        counter(
            "waylink_clicks_queued_total",
            "Clicks handed to the click queue.",
            m.queued.load(Ordering::Relaxed),
        ),
        counter(
            "waylink_clicks_dropped_total",
            "Clicks dropped because the click queue was full.",
            m.dropped.load(Ordering::Relaxed),
        ),
        counter(
            "waylink_clicks_written_total",
            "Clicks stored.",
            m.written.load(Ordering::Relaxed),
        ),
        counter(
            "waylink_clicks_failed_total",
            "Clicks lost because storage failed every attempt.",
            m.failed.load(Ordering::Relaxed),
        ),
        gauge(
            "waylink_click_queue_depth",
            "Clicks waiting to be written.",
            state.clicks.depth() as u64,
        ),
        gauge(
            "waylink_link_cache_entries",
            "Links this node keeps in memory.",
            state.cache.links_cached() as u64,
        ),
        counter(
            "waylink_change_log_applied_total",
            "Changes read from the change log and forgotten from the cache.",
            feed.applied.load(Ordering::Relaxed),
        ),
        gauge(
            "waylink_change_log_failing_reads",
            "Reads of the change log that failed since the last one that worked.",
            feed.failing_reads.load(Ordering::Relaxed),
        ),
    ]
    .concat();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

async fn fallback() -> ApiError {
    ApiError::not_found("The path")
}
