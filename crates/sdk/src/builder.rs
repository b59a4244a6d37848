//! Configuring and building a [`WaylinkSdk`].
//!
//! Everything that can be wrong with the configuration is caught by
//! [`WaylinkSdkBuilder::build`], including an unwritable state directory:
//! the app learns it once, at start-up, instead of through odd attribution
//! later.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::Platform;
use crate::http::Transport;
use crate::listener::WaylinkListener;
use crate::sdk::{Config, WaylinkSdk};
use crate::state::{StateError, StateFile};

/// The default UDL timeout: the deep-linking callback comes at most this
/// long after `start()` or `handle_url()`.
pub const DEFAULT_UDL_TIMEOUT: Duration = Duration::from_secs(3);
/// The default timeout of one HTTP attempt.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of retries after a failed attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The most retries [`WaylinkSdkBuilder::max_retries`] accepts; more are
/// clamped to it.
pub const MAX_RETRIES_CAP: u32 = 10;

/// Why a [`WaylinkSdk`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The server URL is not an absolute http(s) URL.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidServerUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The app id is empty.
    #[error("the app id is empty")]
    EmptyAppId,
    /// The app key is empty or cannot be sent in a header.
    #[error("the app key is empty or contains characters a header cannot carry")]
    InvalidAppKey,
    /// No state directory was given.
    #[error("no state directory: call .state_dir(path)")]
    NoStateDir,
    /// The state directory or file cannot be created or written.
    #[error("the state in {path} cannot be written: {source}")]
    State {
        /// The state file (or its directory).
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The operating system's random number generator failed, so no
    /// device id can be made.
    #[error("{0}")]
    Random(String),
    /// The HTTP client could not be set up.
    #[error("the HTTP client cannot be built: {0}")]
    HttpClient(String),
}

/// Builds a [`WaylinkSdk`]; made by [`WaylinkSdk::builder`].
pub struct WaylinkSdkBuilder {
    server_url: String,
    app_id: String,
    app_key: String,
    platform: Platform,
    state_dir: Option<PathBuf>,
    os_version: Option<String>,
    device_model: Option<String>,
    user_agent: Option<String>,
    advertising_id: Option<String>,
    install_referrer: Option<String>,
    udl_timeout: Duration,
    request_timeout: Duration,
    max_retries: u32,
    listener: Option<Arc<dyn WaylinkListener>>,
}

/// The longest values the server accepts, in characters. Longer ones are
/// cut here: the server refuses a launch with an over-long field, and a
/// user agent one character too long must not cost the app its attribution.
const MAX_OS_VERSION: usize = 32;
const MAX_DEVICE_MODEL: usize = 100;
const MAX_USER_AGENT: usize = 1024;
const MAX_ADVERTISING_ID: usize = 100;
const MAX_INSTALL_REFERRER: usize = 2048;

/// `text` cut to `max` characters, or `None` when it is blank: an empty
/// optional field is left out of requests rather than sent as `""`.
fn field(text: String, max: usize) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    Some(match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text,
    })
}

impl WaylinkSdkBuilder {
    pub(crate) fn new(server_url: String, app_id: String, app_key: String) -> WaylinkSdkBuilder {
        WaylinkSdkBuilder {
            server_url,
            app_id,
            app_key,
            platform: Platform::default(),
            state_dir: None,
            os_version: None,
            device_model: None,
            user_agent: None,
            advertising_id: None,
            install_referrer: None,
            udl_timeout: DEFAULT_UDL_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            listener: None,
        }
    }

    /// The device's platform; Android unless set.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// The directory of the state file (required): app-private storage that
    /// survives restarts and is wiped on uninstall. Created if missing.
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// The OS version (`"14"`), device model (`"Pixel 8"`) and user agent
    /// the server matches clicks with; empty strings are left out, values
    /// longer than the server takes (32, 100, 1024 characters) are cut.
    pub fn device_info(
        mut self,
        os_version: impl Into<String>,
        device_model: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        self.os_version = field(os_version.into(), MAX_OS_VERSION);
        self.device_model = field(device_model.into(), MAX_DEVICE_MODEL);
        self.user_agent = field(user_agent.into(), MAX_USER_AGENT);
        self
    }

    /// The advertising id (GAID or IDFA), when the user allows it; cut to
    /// 100 characters.
    pub fn advertising_id(mut self, id: impl Into<String>) -> Self {
        self.advertising_id = field(id.into(), MAX_ADVERTISING_ID);
        self
    }

    /// The install referrer as the Play install referrer API gives it
    /// (`waylink_click_id=...&pid=sms&c=bananas`); cut to 2048 characters.
    pub fn install_referrer(mut self, referrer: impl Into<String>) -> Self {
        self.install_referrer = field(referrer.into(), MAX_INSTALL_REFERRER);
        self
    }

    /// How long the deep-linking callback may wait (3 s unless set). A
    /// launch's conversion data is bounded by it too, since it comes first.
    pub fn udl_timeout(mut self, timeout: Duration) -> Self {
        self.udl_timeout = timeout;
        self
    }

    /// The timeout of one HTTP attempt (10 s unless set).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Retries after a network error, a timeout or a 5xx (2 unless set, at
    /// most [`MAX_RETRIES_CAP`]); a 4xx is never retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries.min(MAX_RETRIES_CAP);
        self
    }

    /// The listener that receives the callbacks; replaces an earlier one.
    pub fn listener(mut self, listener: Arc<dyn WaylinkListener>) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Checks the configuration, loads (or creates) the state file, and
    /// builds the SDK. The device id is fixed from here on.
    pub fn build(self) -> Result<WaylinkSdk, SdkError> {
        let base = server_base(&self.server_url)?;
        if self.app_id.trim().is_empty() {
            return Err(SdkError::EmptyAppId);
        }
        if self.app_key.trim().is_empty() || HeaderValue::from_str(&self.app_key).is_err() {
            return Err(SdkError::InvalidAppKey);
        }
        let dir = self.state_dir.ok_or(SdkError::NoStateDir)?;
        fs::create_dir_all(&dir).map_err(|source| SdkError::State {
            path: dir.clone(),
            source,
        })?;
        let state_file = StateFile::in_dir(&dir, &self.app_id);
        let state = state_file.load_or_create().map_err(|e| match e {
            StateError::Io(source) => SdkError::State {
                path: state_file.path().to_path_buf(),
                source,
            },
            StateError::Random(why) => SdkError::Random(why),
        })?;
        let client = reqwest::Client::builder()
            .connect_timeout(self.request_timeout)
            .timeout(self.request_timeout)
            .build()
            .map_err(|e| SdkError::HttpClient(e.to_string()))?;
        let transport = Transport::new(
            client,
            base,
            self.app_key,
            self.request_timeout,
            self.max_retries,
        );
        let config = Config {
            app_id: self.app_id,
            platform: self.platform,
            os_version: self.os_version,
            device_model: self.device_model,
            user_agent: self.user_agent,
            advertising_id: self.advertising_id,
            install_referrer: self.install_referrer,
            udl_timeout: self.udl_timeout,
        };
        Ok(WaylinkSdk::new(
            config,
            transport,
            state_file,
            state,
            self.listener,
        ))
    }
}

/// The server URL, checked: absolute http(s), with query and fragment
/// dropped (endpoint paths are appended to its path).
fn server_base(text: &str) -> Result<Url, SdkError> {
    let invalid = |reason: &str| SdkError::InvalidServerUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("there is no host"));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cut_on_character_boundaries() {
        assert_eq!(field("ééé".into(), 2).as_deref(), Some("éé"));
        assert_eq!(field("14".into(), 32).as_deref(), Some("14"));
        assert_eq!(field("  ".into(), 32), None);
    }

    #[test]
    fn server_urls_must_be_absolute_http() {
        assert!(server_base("http://127.0.0.1:8080/base/?x=1#y").is_ok());
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://x.example",
            "mailto:a@b",
            "http://",
        ] {
            assert!(server_base(bad).is_err(), "{bad}");
        }
    }
}
