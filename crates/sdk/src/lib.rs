//! The Waylink SDK for Rust: what an app, a game, a desktop program or a
//! test embeds to talk to a Waylink server, and the reference for SDKs in
//! other languages.
//!
//! An app builds one [`WaylinkSdk`] with [`WaylinkSdk::builder`], calls
//! [`WaylinkSdk::start`] on every start (or [`WaylinkSdk::start_with_url`]
//! when a link started it) and [`WaylinkSdk::handle_url`] when a link brings
//! the running app to the front. Results reach a [`WaylinkListener`] in a
//! fixed order: conversion data, then app-open attribution, then the Unified
//! Deep Linking result. Every call also returns a [`Report`] of what it
//! delivered, for callers without a listener.
//!
//! - [`builder`]: configuration and [`SdkError`], the only error a caller
//!   handles; after `build()` nothing fails loudly, failures become
//!   callbacks.
//! - [`state`]: the device id, the install flag and the cached conversion
//!   data, in a small JSON file written atomically.
//! - [`listener`]: the callbacks; [`deep_link`]: the UDL result types.
//! - [`link`]: links read locally (long links, URI-scheme links) and short
//!   links, which only the server can resolve.
//! - `http` (private): requests with a timeout, bounded retries and a cap on
//!   the size of an answer; `answer` (private): reading the server's answers
//!   into callbacks.
//!
//! No input makes the SDK panic: garbage URLs, garbage answers, a missing or
//! corrupt state file and an unreachable server all end in a callback.

mod answer;
pub mod builder;
pub mod deep_link;
mod http;
pub mod link;
pub mod listener;
mod sdk;
pub mod state;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use builder::{SdkError, WaylinkSdkBuilder};
pub use deep_link::{DeepLink, DeepLinkError, DeepLinkResult, DeepLinkStatus};
pub use link::{LocalLink, LocalLinkKind, ShortLink, parse_link_locally, parse_short_link};
pub use listener::WaylinkListener;
pub use sdk::WaylinkSdk;

/// The platform the SDK reports for this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    /// An Android device (the default).
    #[default]
    Android,
    /// An iPhone or iPad.
    Ios,
}

impl Platform {
    /// The name the server expects: `"android"` or `"ios"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

/// What one launch or open delivered to the listener, in the order it was
/// delivered. The same values the callbacks received, so a caller without a
/// listener (a test, `waylink simulate`) can read them.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Launches only: `Ok` as given to `on_conversion_data_success`, `Err`
    /// with the message given to `on_conversion_data_fail`. `None` for an
    /// open, which carries no conversion data.
    pub conversion_data: Option<Result<Map<String, Value>, String>>,
    /// `Ok` as given to `on_app_open_attribution`, `Err` with the reason
    /// given to `on_attribution_failure`; `None` when neither fired (a
    /// launch without a link).
    pub app_open_attribution: Option<Result<BTreeMap<String, String>, String>>,
    /// As given to `on_deep_linking`, which always fires.
    pub deep_link: DeepLinkResult,
}
