//! A fake Waylink server for the SDK's tests, speaking the SDK API's
//! contract (`/sdk/v1/launch`, `/sdk/v1/open`, `/shortlink-sdk/v2/{tid}`),
//! and a listener that records every callback.
//!
//! The fake can be switched into failure modes (slow, an error status, a
//! raw body) to drive the SDK's timeouts, retries and garbage handling.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use waylink_sdk::{DeepLinkResult, WaylinkListener, WaylinkSdk, WaylinkSdkBuilder};

/// The app key the fake accepts.
pub const KEY: &str = "sdk-key-feedme";
/// The app id of the tests.
pub const APP_ID: &str = "com.feedme.app";
/// The short link the fake knows: template `H5hv`, id `bananas7`.
pub const SHORT_LINK: &str = "https://feedme.links.example/H5hv/bananas7";

/// How the fake answers.
#[derive(Debug, Clone)]
pub enum Mode {
    /// As the contract says.
    Normal,
    /// As the contract says, after this delay.
    Delay(Duration),
    /// This status with a Waylink error body.
    Status(u16),
    /// 200 with this body.
    Raw(String),
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The path.
    pub path: String,
    /// The query string.
    pub query: Option<String>,
    /// The `authorization` header.
    pub authorization: Option<String>,
    /// The body as JSON (`null` when it was not JSON).
    pub body: Value,
}

/// The fake's state.
pub struct Fake {
    mode: Mutex<Mode>,
    requests: Mutex<Vec<Recorded>>,
    devices: Mutex<HashSet<String>>,
}

/// A running fake server.
pub struct FakeServer {
    /// `http://127.0.0.1:{port}`.
    pub url: String,
    fake: Arc<Fake>,
}

impl FakeServer {
    /// Starts a fake on a free port, in `Normal` mode.
    pub async fn start() -> FakeServer {
        let fake = Arc::new(Fake {
            mode: Mutex::new(Mode::Normal),
            requests: Mutex::new(Vec::new()),
            devices: Mutex::new(HashSet::new()),
        });
        let handler_fake = fake.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let fake = handler_fake.clone();
            async move { fake.handle(uri, headers, body).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeServer { url, fake }
    }

    /// Switches how the fake answers.
    pub fn set_mode(&self, mode: Mode) {
        *self.fake.mode.lock().expect("lock") = mode;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.fake.requests.lock().expect("lock").clone()
    }

    /// How many requests went to `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

/// A URL where nothing listens: bound, then released.
pub async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, error_type: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"error_type": error_type, "message": message}),
    )
}

/// The data of the one short link the fake knows.
pub fn short_link_data() -> BTreeMap<String, String> {
    [
        ("pid", "sms"),
        ("c", "bananas"),
        ("deep_link_value", "bananas"),
        ("fruit_name", "banana"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The conversion data of a non-organic Feed Me install.
pub fn feedme_conversion_data(first: bool) -> Value {
    json!({
        "af_status": "Non-organic", "media_source": "sms", "campaign": "bananas",
        "is_first_launch": first, "install_time": "2026-11-22 16:04:50.605",
        "click_time": "2026-11-22 16:03:12.118", "match_type": "referrer",
        "is_retargeting": false, "retargeting_conversion_type": "none",
        "af_click_lookback": "7d", "shortlink": "bananas7", "http_referrer": null,
        "af_adset": null, "af_ad": null, "af_cost_currency": "USD",
        "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
        "iscache": false, "deep_link_value": "bananas", "fruit_name": "banana"
    })
}

impl Fake {
    async fn handle(&self, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        self.requests.lock().expect("lock").push(Recorded {
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            authorization: authorization.clone(),
            body: body.clone(),
        });
        let mode = self.mode.lock().expect("lock").clone();
        match mode {
            Mode::Normal => {}
            Mode::Delay(d) => tokio::time::sleep(d).await,
            Mode::Status(code) => {
                let status = StatusCode::from_u16(code).expect("status");
                return error(status, "fake_failure", "the fake was told to fail");
            }
            Mode::Raw(text) => return (StatusCode::OK, text).into_response(),
        }
        if authorization.as_deref() != Some(KEY) {
            return error(
                StatusCode::UNAUTHORIZED,
                "authentication_failure",
                "Authentication Failed",
            );
        }
        let url = body.get("deep_link_url").and_then(Value::as_str);
        match uri.path() {
            "/sdk/v1/launch" => {
                let device = body.get("device_id").and_then(Value::as_str).unwrap_or("");
                let first = self.devices.lock().expect("lock").insert(device.to_owned());
                let (deep_link, open) = match url {
                    Some(url) => direct(url),
                    None if first => (deferred(), Value::Null),
                    None => (json!({"status": "NOT_FOUND"}), Value::Null),
                };
                json_response(
                    StatusCode::OK,
                    json!({"conversion_data": feedme_conversion_data(first),
                           "deep_link": deep_link, "app_open_attribution": open}),
                )
            }
            "/sdk/v1/open" => {
                let Some(url) = url else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_parameter",
                        "deep_link_url",
                    );
                };
                let (deep_link, open) = direct(url);
                json_response(
                    StatusCode::OK,
                    json!({"deep_link": deep_link, "app_open_attribution": open}),
                )
            }
            "/shortlink-sdk/v2/H5hv" if uri.query() == Some("id=bananas7") => {
                json_response(StatusCode::OK, json!(short_link_data()))
            }
            _ => error(StatusCode::NOT_FOUND, "not_found", "Not Found"),
        }
    }
}

fn deferred() -> Value {
    json!({"status": "FOUND", "deep_link": {
        "deep_link_value": "bananas", "is_deferred": true, "match_type": "referrer",
        "click_http_referrer": null, "timestamp": "2026-11-22 16:03:12.118"}})
}

/// The fake's resolution of a link: only its one short link is known.
fn direct(url: &str) -> (Value, Value) {
    if !url.starts_with(SHORT_LINK) {
        return (json!({"status": "NOT_FOUND"}), Value::Null);
    }
    let mut map: Map<String, Value> = short_link_data()
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    for (k, v) in [
        ("link", url),
        ("scheme", "https"),
        ("host", "feedme.links.example"),
        ("path", "/H5hv/bananas7"),
        ("media_source", "sms"),
        ("campaign", "bananas"),
    ] {
        map.insert(k.into(), json!(v));
    }
    let mut deep_link = map.clone();
    deep_link.insert("is_deferred".into(), json!(false));
    map.insert("shortlink".into(), json!("bananas7"));
    (
        json!({"status": "FOUND", "deep_link": deep_link}),
        Value::Object(map),
    )
}

/// One callback the listener received.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `on_conversion_data_success`.
    Conversion(Map<String, Value>),
    /// `on_conversion_data_fail`.
    ConversionFail(String),
    /// `on_app_open_attribution`.
    AppOpen(BTreeMap<String, String>),
    /// `on_attribution_failure`.
    AttributionFailure(String),
    /// `on_deep_linking`.
    DeepLinking(DeepLinkResult),
}

impl Event {
    /// The callback's short name, for order checks.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Conversion(_) => "conversion",
            Event::ConversionFail(_) => "conversion_fail",
            Event::AppOpen(_) => "app_open",
            Event::AttributionFailure(_) => "attribution_failure",
            Event::DeepLinking(_) => "deep_linking",
        }
    }
}

/// A listener that records every callback with the time it came.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<(Instant, Event)>>,
}

impl Recorder {
    fn push(&self, event: Event) {
        self.events
            .lock()
            .expect("lock")
            .push((Instant::now(), event));
    }

    /// The callbacks so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.timed().into_iter().map(|(_, e)| e).collect()
    }

    /// The callbacks so far with the time each came.
    pub fn timed(&self) -> Vec<(Instant, Event)> {
        self.events.lock().expect("lock").clone()
    }

    /// The callbacks' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.events().iter().map(Event::name).collect()
    }

    /// Forgets the callbacks so far.
    pub fn clear(&self) {
        self.events.lock().expect("lock").clear();
    }
}

impl WaylinkListener for Recorder {
    fn on_conversion_data_success(&self, data: &Map<String, Value>) {
        self.push(Event::Conversion(data.clone()));
    }
    fn on_conversion_data_fail(&self, message: &str) {
        self.push(Event::ConversionFail(message.to_owned()));
    }
    fn on_app_open_attribution(&self, data: &BTreeMap<String, String>) {
        self.push(Event::AppOpen(data.clone()));
    }
    fn on_attribution_failure(&self, message: &str) {
        self.push(Event::AttributionFailure(message.to_owned()));
    }
    fn on_deep_linking(&self, result: &DeepLinkResult) {
        self.push(Event::DeepLinking(result.clone()));
    }
}

/// An SDK for `server` with its state in `dir`, reporting to `recorder`:
/// short timeouts so failures show quickly.
pub fn sdk(server: &str, dir: &Path, recorder: &Arc<Recorder>) -> WaylinkSdk {
    builder(server, dir, recorder).build().expect("build")
}

/// The builder behind [`sdk`], for tests that change a setting.
pub fn builder(server: &str, dir: &Path, recorder: &Arc<Recorder>) -> WaylinkSdkBuilder {
    WaylinkSdk::builder(server, APP_ID, KEY)
        .state_dir(dir)
        .device_info("14", "Pixel 8", "Mozilla/5.0 (Linux; Android 14; Pixel 8)")
        .advertising_id("38400000-8cf0-11bd-b23e-10b96e40000d")
        .install_referrer("waylink_click_id=abc&pid=sms&c=bananas")
        .udl_timeout(Duration::from_secs(2))
        .request_timeout(Duration::from_secs(1))
        .max_retries(2)
        .listener(recorder.clone())
}

/// A string map from pairs.
pub fn strings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
