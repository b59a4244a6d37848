//! The SDK itself: launches, opens, and the delivery of their results to
//! the listener.
//!
//! Every flow first works out a whole [`Report`] and then delivers it, so
//! the callbacks always come in the documented order (conversion data,
//! app-open attribution, deep linking) and each at most once, whatever
//! failed on the way.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::answer::{app_open_of, deep_link_of, resolved_link, string_map};
use crate::builder::WaylinkSdkBuilder;
use crate::deep_link::{DeepLinkError, DeepLinkResult};
use crate::http::{CallError, Transport, is_not_found};
use crate::link::{ShortLink, Target, classify, parse_short_link};
use crate::listener::WaylinkListener;
use crate::state::{SdkState, StateFile};
use crate::{Platform, Report};

/// The settings a built SDK runs with.
pub(crate) struct Config {
    pub(crate) app_id: String,
    pub(crate) platform: Platform,
    pub(crate) os_version: Option<String>,
    pub(crate) device_model: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) advertising_id: Option<String>,
    pub(crate) install_referrer: Option<String>,
    pub(crate) udl_timeout: Duration,
}

struct Inner {
    config: Config,
    transport: Transport,
    state_file: StateFile,
    device_id: String,
    state: Mutex<SdkState>,
    listener: Option<Arc<dyn WaylinkListener>>,
}

/// A running SDK. Cheap to clone: clones share the state and the listener.
///
/// Its methods must be called inside a tokio runtime.
#[derive(Clone)]
pub struct WaylinkSdk {
    inner: Arc<Inner>,
}

/// The body of `/sdk/v1/launch` and `/sdk/v1/open`.
#[derive(Serialize)]
struct Body<'a> {
    device_id: &'a str,
    platform: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    os_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advertising_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    install_referrer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deep_link_url: Option<&'a str>,
}

impl WaylinkSdk {
    /// Starts configuring an SDK for the Waylink server at `server_url`
    /// (`http://waylink.example:8080`), the app `app_id` (`com.feedme.app`)
    /// and its SDK key.
    pub fn builder(
        server_url: impl Into<String>,
        app_id: impl Into<String>,
        app_key: impl Into<String>,
    ) -> WaylinkSdkBuilder {
        WaylinkSdkBuilder::new(server_url.into(), app_id.into(), app_key.into())
    }

    pub(crate) fn new(
        config: Config,
        transport: Transport,
        state_file: StateFile,
        state: SdkState,
        listener: Option<Arc<dyn WaylinkListener>>,
    ) -> WaylinkSdk {
        WaylinkSdk {
            inner: Arc::new(Inner {
                config,
                transport,
                state_file,
                device_id: state.device_id.clone(),
                state: Mutex::new(state),
                listener,
            }),
        }
    }

    /// The app id the SDK was built for.
    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// This device's id, stable for as long as the state file lives.
    pub fn device_id(&self) -> &str {
        &self.inner.device_id
    }

    /// Where the state file is.
    pub fn state_path(&self) -> &Path {
        self.inner.state_file.path()
    }

    /// Whether a launch has been answered with conversion data: the next
    /// launch is then not the install.
    pub fn install_launch_done(&self) -> bool {
        self.state().install_launch_done
    }

    /// Reports an app start not caused by a link. Delivers conversion data,
    /// then app-open attribution if the server sent one, then the deep
    /// link (deferred, on the install); returns within the UDL timeout.
    pub async fn start(&self) -> Report {
        self.launch(None).await
    }

    /// Reports an app start caused by the link `url`: as [`start`], and the
    /// link's app-open attribution and direct deep link. A long or
    /// URI-scheme link is read locally, so it is delivered even offline.
    ///
    /// [`start`]: WaylinkSdk::start
    pub async fn start_with_url(&self, url: &str) -> Report {
        self.launch(Some(url)).await
    }

    /// Reports that the link `url` brought the running app to the front.
    /// A long or URI-scheme link is answered at once from the URL, and
    /// reported to the server in the background; a short link is resolved
    /// by the server within the UDL timeout.
    pub async fn handle_url(&self, url: &str) -> Report {
        let (app_open_attribution, deep_link) = match classify(url) {
            Target::Local(link) => {
                self.open_in_background(link.url.clone());
                (
                    Some(Ok(link.app_open_attribution())),
                    DeepLinkResult::found(link.deep_link()),
                )
            }
            Target::Short(short) => {
                let answer = self.within_udl(self.open(short.url)).await;
                resolved_link(&answer)
            }
            Target::Unrecognized(reason) => (Some(Err(reason)), DeepLinkResult::not_found()),
        };
        let report = Report {
            conversion_data: None,
            app_open_attribution,
            deep_link,
        };
        self.deliver(&report);
        report
    }

    /// The data of the short link `url` from the server's link resolver
    /// (`GET /shortlink-sdk/v2/{tid}?id={sid}`), without any callback:
    /// `Ok(None)` when the link is unknown or expired.
    pub async fn resolve_short_link(
        &self,
        url: &str,
    ) -> Result<Option<BTreeMap<String, String>>, DeepLinkError> {
        let Some(ShortLink {
            template_id,
            shortlink_id,
            ..
        }) = parse_short_link(url)
        else {
            return Err(DeepLinkError::Unexpected("not a short link".into()));
        };
        let transport = &self.inner.transport;
        let mut endpoint = transport
            .endpoint(&["shortlink-sdk", "v2", &template_id])
            .map_err(|e| e.deep_link_error())?;
        endpoint.query_pairs_mut().append_pair("id", &shortlink_id);
        match transport.get(endpoint).await {
            Ok(Value::Object(map)) => Ok(Some(string_map(&map))),
            Ok(_) => Err(DeepLinkError::Unexpected(
                "the answer is not a JSON object".into(),
            )),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e.deep_link_error()),
        }
    }

    async fn launch(&self, url: Option<&str>) -> Report {
        let target = url.map(classify);
        let deep_link_url = match &target {
            Some(Target::Local(link)) => Some(link.url.clone()),
            Some(Target::Short(link)) => Some(link.url.clone()),
            Some(Target::Unrecognized(_)) | None => None,
        };
        let answer = self.launch_call(deep_link_url).await;
        let conversion_data = Some(self.conversion_data(&answer));
        let (app_open_attribution, deep_link) = match target {
            Some(Target::Local(link)) => (
                Some(Ok(link.app_open_attribution())),
                DeepLinkResult::found(link.deep_link()),
            ),
            Some(Target::Short(_)) => resolved_link(&answer),
            Some(Target::Unrecognized(reason)) => (Some(Err(reason)), deep_link_of(&answer)),
            None => (app_open_of(&answer).map(Ok), deep_link_of(&answer)),
        };
        let report = Report {
            conversion_data,
            app_open_attribution,
            deep_link,
        };
        self.deliver(&report);
        report
    }

    /// Sends the launch, bounded by the UDL timeout. The request runs in its
    /// own task, which outlives a timeout: a late answer still records the
    /// install in the state (without callbacks, which were already given).
    async fn launch_call(&self, deep_link_url: Option<String>) -> Result<Value, CallError> {
        let sdk = self.clone();
        let task = tokio::spawn(async move {
            let body = sdk.body(deep_link_url.as_deref());
            let answer = sdk
                .inner
                .transport
                .post(&["sdk", "v1", "launch"], &body)
                .await?;
            if let Some(data) = answer.get("conversion_data").and_then(Value::as_object) {
                sdk.record_launch(data.clone()).await;
            }
            Ok(answer)
        });
        match tokio::time::timeout(self.inner.config.udl_timeout, task).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(join)) => Err(CallError::Unexpected(format!(
                "the launch task failed: {join}"
            ))),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// Sends an open for `url`.
    async fn open(&self, url: String) -> Result<Value, CallError> {
        let body = self.body(Some(&url));
        self.inner
            .transport
            .post(&["sdk", "v1", "open"], &body)
            .await
    }

    /// Sends an open without waiting for it: the server counts
    /// re-engagements from it, but the app already has its answer.
    fn open_in_background(&self, url: String) {
        // Without a runtime (an executor other than tokio) there is nothing
        // to spawn on; the report is best effort, so it is skipped.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let sdk = self.clone();
            runtime.spawn(async move {
                let _ = sdk.open(url).await;
            });
        }
    }

    async fn within_udl(
        &self,
        call: impl Future<Output = Result<Value, CallError>>,
    ) -> Result<Value, CallError> {
        tokio::time::timeout(self.inner.config.udl_timeout, call)
            .await
            .unwrap_or(Err(CallError::Timeout))
    }

    fn body<'a>(&'a self, deep_link_url: Option<&'a str>) -> Body<'a> {
        let config = &self.inner.config;
        Body {
            device_id: &self.inner.device_id,
            platform: config.platform.as_str(),
            os_version: config.os_version.as_deref(),
            device_model: config.device_model.as_deref(),
            user_agent: config.user_agent.as_deref(),
            advertising_id: config.advertising_id.as_deref(),
            install_referrer: config.install_referrer.as_deref(),
            deep_link_url,
        }
    }

    /// The conversion data of a launch: the server's, or when it cannot be
    /// reached the cached data marked as such, or the failure message.
    fn conversion_data(
        &self,
        answer: &Result<Value, CallError>,
    ) -> Result<Map<String, Value>, String> {
        let failure = match answer {
            Ok(answer) => match answer.get("conversion_data") {
                Some(Value::Object(data)) => return Ok(data.clone()),
                _ => CallError::Unexpected("the answer carries no conversion data".into()),
            },
            Err(e) => e.clone(),
        };
        if !failure.is_unreachable() {
            return Err(failure.to_string());
        }
        match &self.state().last_conversion_data {
            Some(cached) => {
                let mut data = cached.clone();
                data.insert("is_first_launch".into(), json!(false));
                data.insert("iscache".into(), json!(true));
                Ok(data)
            }
            None => Err(failure.to_string()),
        }
    }

    /// Records an answered launch: the install is done, and `data` is the
    /// cache from now on.
    async fn record_launch(&self, data: Map<String, Value>) {
        let snapshot = {
            let mut state = self.state();
            state.install_launch_done = true;
            state.last_conversion_data = Some(data);
            state.clone()
        };
        let file = self.inner.state_file.clone();
        // A failed write is not reported: the callbacks do not depend on it,
        // the server decides what the install is, and the next answered
        // launch writes the state again.
        let _ = tokio::task::spawn_blocking(move || file.save(&snapshot)).await;
    }

    fn state(&self) -> MutexGuard<'_, SdkState> {
        // A panic elsewhere while holding the lock leaves the state as
        // consistent as any single assignment: keep using it.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands `report` to the listener, in the documented order.
    fn deliver(&self, report: &Report) {
        let Some(listener) = &self.inner.listener else {
            return;
        };
        match &report.conversion_data {
            Some(Ok(data)) => listener.on_conversion_data_success(data),
            Some(Err(message)) => listener.on_conversion_data_fail(message),
            None => {}
        }
        match &report.app_open_attribution {
            Some(Ok(data)) => listener.on_app_open_attribution(data),
            Some(Err(message)) => listener.on_attribution_failure(message),
            None => {}
        }
        listener.on_deep_linking(&report.deep_link);
    }
}
