//! Reading the server's answers to launches and opens into what the
//! listener receives. Every reader accepts any JSON: a member missing or of
//! the wrong type becomes a failure callback, never a panic.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::deep_link::{DeepLinkError, DeepLinkResult, echo};
use crate::http::{CallError, is_not_found};

/// The reason given to `on_attribution_failure` for a link the server does
/// not know (or no longer knows).
const UNRESOLVED: &str = "the link is unknown or expired";

/// App-open attribution (`Ok`) or its failure reason (`Err`), when either
/// is due, and the deep-link result.
pub(crate) type LinkOutcome = (
    Option<Result<BTreeMap<String, String>, String>>,
    DeepLinkResult,
);

/// App-open attribution and deep link of a short link, from the server's
/// answer to a launch or open that carried it.
pub(crate) fn resolved_link(answer: &Result<Value, CallError>) -> LinkOutcome {
    match answer {
        Err(e) if is_not_found(e) => (Some(Err(UNRESOLVED.into())), DeepLinkResult::not_found()),
        Err(e) => (
            Some(Err(e.to_string())),
            DeepLinkResult::error(e.deep_link_error()),
        ),
        Ok(_) => {
            let deep_link = deep_link_of(answer);
            let app_open = app_open_of(answer).ok_or_else(|| match &deep_link.error {
                Some(DeepLinkError::Unexpected(why)) => why.clone(),
                _ => UNRESOLVED.into(),
            });
            (Some(app_open), deep_link)
        }
    }
}

/// The UDL result of an answer, or the error kind of a failed call.
pub(crate) fn deep_link_of(answer: &Result<Value, CallError>) -> DeepLinkResult {
    match answer {
        Ok(value) => DeepLinkResult::from_server(value.get("deep_link")),
        Err(e) => DeepLinkResult::error(e.deep_link_error()),
    }
}

/// The app-open attribution map of an answer, when it has one.
pub(crate) fn app_open_of(answer: &Result<Value, CallError>) -> Option<BTreeMap<String, String>> {
    match answer {
        Ok(value) => value
            .get("app_open_attribution")
            .and_then(Value::as_object)
            .map(string_map),
        Err(_) => None,
    }
}

/// A JSON object as a map of strings: strings as they are, other values as
/// their JSON text (the spec promises strings; a server that breaks the
/// promise must not break the app), `null`s left out.
pub(crate) fn string_map(object: &Map<String, Value>) -> BTreeMap<String, String> {
    object
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => echo(&other.to_string()),
            };
            (k.clone(), text)
        })
        .collect()
}
