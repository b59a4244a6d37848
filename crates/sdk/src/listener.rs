//! The callbacks through which the SDK hands results to the app.
//!
//! The names and payloads follow the AppsFlyer SDK's legacy callbacks
//! (conversion data, app-open attribution) and its Unified Deep Linking
//! callback, so code written for one maps onto the other.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::deep_link::DeepLinkResult;

/// Receives the SDK's results. Every method has a no-op default: implement
/// only those the app needs.
///
/// For one launch the calls come in this order, each at most once:
/// conversion data (success or failure), app-open attribution (success or
/// failure, only when a link is involved), deep linking (always). An open
/// skips conversion data.
///
/// Methods are called on the task that called the SDK; they should return
/// quickly and must not block on the SDK itself.
pub trait WaylinkListener: Send + Sync {
    /// Conversion data of the install: once per launch, from the server or,
    /// when it cannot be reached after the install, from the cache with
    /// `iscache: true` and `is_first_launch: false`.
    fn on_conversion_data_success(&self, data: &Map<String, Value>) {
        let _ = data;
    }

    /// No conversion data for this launch: the server refused the request,
    /// or could not be reached and nothing is cached yet (the install
    /// launch).
    fn on_conversion_data_fail(&self, message: &str) {
        let _ = message;
    }

    /// The data of the link that launched or opened the app, every value a
    /// string: the link's parameters plus `link`, `scheme`, `host`, `path`,
    /// `media_source`, `campaign` and, for short links, `shortlink`.
    fn on_app_open_attribution(&self, data: &BTreeMap<String, String>) {
        let _ = data;
    }

    /// The link that launched or opened the app could not be resolved
    /// (unknown, expired, not a Waylink link, or the server unreachable).
    fn on_attribution_failure(&self, message: &str) {
        let _ = message;
    }

    /// The Unified Deep Linking result: always called, within the UDL
    /// timeout.
    fn on_deep_linking(&self, result: &DeepLinkResult) {
        let _ = result;
    }
}
