//! The device side of the stories: the Feed Me app on a phone, its SDK,
//! and a listener that records the SDK's callbacks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tempfile::TempDir;
use waylink_sdk::{
    DeepLinkResult, Platform, Report, WaylinkListener, WaylinkSdk, WaylinkSdkBuilder,
};

use crate::support::{ANDROID_APP, Feedme, IOS_APP, IPHONE_UA, PIXEL_UA, closed_server};

/// The callbacks of a launch that is not opened by a link.
pub const LAUNCHED: [&str; 2] = ["on_conversion_data_success", "on_deep_linking"];
/// The callbacks of a link opened while the app runs.
pub const OPENED: [&str; 2] = ["on_app_open_attribution", "on_deep_linking"];

/// One callback, as the listener received it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Conversion(Map<String, Value>),
    ConversionFail(String),
    AppOpen(BTreeMap<String, String>),
    AttributionFailure(String),
    DeepLinking(DeepLinkResult),
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::Conversion(_) => "on_conversion_data_success",
            Event::ConversionFail(_) => "on_conversion_data_fail",
            Event::AppOpen(_) => "on_app_open_attribution",
            Event::AttributionFailure(_) => "on_attribution_failure",
            Event::DeepLinking(_) => "on_deep_linking",
        }
    }
}

/// Records every callback, in order.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn push(&self, event: Event) {
        self.events.lock().expect("the lock").push(event);
    }

    /// The callbacks received since the last call, in order.
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().expect("the lock"))
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

/// A phone with the app: its app storage and the listener of the app.
pub struct Phone {
    platform: Platform,
    storage: TempDir,
    recorder: Arc<Recorder>,
}

impl Phone {
    pub fn android() -> Phone {
        Phone::new(Platform::Android)
    }

    pub fn iphone() -> Phone {
        Phone::new(Platform::Ios)
    }

    fn new(platform: Platform) -> Phone {
        Phone {
            platform,
            storage: tempfile::tempdir().expect("a temporary directory"),
            recorder: Arc::new(Recorder::default()),
        }
    }

    fn state_dir(&self) -> &Path {
        self.storage.path()
    }

    /// The SDK of the Feed Me app of this phone's platform, talking to
    /// `server`, with the device's OS version, model and user agent. The
    /// UDL timeout is generous: the stories test outcomes, not speed, and
    /// the test machine may be busy.
    pub fn sdk(&self, server: &str, feedme: &Feedme) -> WaylinkSdkBuilder {
        let (app_id, key, os, model, agent) = match self.platform {
            Platform::Android => (ANDROID_APP, &feedme.android_key, "14", "Pixel 8", PIXEL_UA),
            Platform::Ios => (IOS_APP, &feedme.ios_key, "17.1", "iPhone15,2", IPHONE_UA),
        };
        WaylinkSdk::builder(server, app_id, key.as_str())
            .platform(self.platform)
            .state_dir(self.state_dir())
            .device_info(os, model, agent)
            .udl_timeout(Duration::from_secs(20))
            .listener(self.recorder.clone())
    }

    /// The SDK of [`Phone::sdk`] on the Feed Me server, with nothing more.
    pub fn app(&self, feedme: &Feedme) -> WaylinkSdk {
        self.sdk(feedme.server(), feedme)
            .build()
            .expect("the SDK builds")
    }

    /// The SDK of [`Phone::app`], installed from the Play Store with the
    /// install `referrer`.
    pub fn app_with_referrer(&self, feedme: &Feedme, referrer: &str) -> WaylinkSdk {
        self.sdk(feedme.server(), feedme)
            .install_referrer(referrer)
            .build()
            .expect("the SDK builds")
    }

    /// The same app on a server that cannot be reached: no retries, so a
    /// story does not wait for them.
    pub fn offline_sdk(&self, feedme: &Feedme) -> WaylinkSdk {
        self.sdk(&closed_server(), feedme)
            .max_retries(0)
            .build()
            .expect("the SDK builds")
    }

    /// The callbacks of the last call, checked against its report: the
    /// report holds exactly what the listener received, in the same order.
    pub fn callbacks(&self, report: &Report) -> Vec<Event> {
        let events = self.recorder.take();
        let mut expected = Vec::new();
        match &report.conversion_data {
            Some(Ok(data)) => expected.push(Event::Conversion(data.clone())),
            Some(Err(message)) => expected.push(Event::ConversionFail(message.clone())),
            None => {}
        }
        match &report.app_open_attribution {
            Some(Ok(data)) => expected.push(Event::AppOpen(data.clone())),
            Some(Err(message)) => expected.push(Event::AttributionFailure(message.clone())),
            None => {}
        }
        expected.push(Event::DeepLinking(report.deep_link.clone()));
        assert_eq!(events, expected, "the listener and the report disagree");
        events
    }

    /// The names of the callbacks of the last call, checked against its
    /// report as [`Phone::callbacks`] checks them.
    pub fn callback_names(&self, report: &Report) -> Vec<&'static str> {
        names(&self.callbacks(report))
    }
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::name).collect()
}
