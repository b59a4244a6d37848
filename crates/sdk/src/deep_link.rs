//! The Unified Deep Linking result: a status, the deep link when one was
//! found, and the error kind when the SDK could not tell.

use serde_json::{Map, Value};

/// The outcome of a deep-link lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeepLinkStatus {
    /// A deep link was found: [`DeepLinkResult::deep_link`] holds it.
    Found,
    /// There is no deep link for this launch or open.
    NotFound,
    /// The SDK could not find out: [`DeepLinkResult::error`] says why.
    Error,
}

/// Why a deep-link lookup ended in [`DeepLinkStatus::Error`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    /// No answer within the UDL timeout.
    #[error("the deep-link lookup timed out")]
    Timeout,
    /// The server could not be reached.
    #[error("the server could not be reached")]
    Network,
    /// The server answered with this HTTP error status.
    #[error("the server answered HTTP {0}")]
    HttpStatusCode(u16),
    /// Anything else: an answer the SDK could not read, or a failure the
    /// server reported.
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// A deep link: the link's values as the server (or the local parser) gave
/// them, with typed accessors for the well-known keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeepLink {
    values: Map<String, Value>,
}

impl DeepLink {
    /// A deep link over these values.
    pub fn new(values: Map<String, Value>) -> DeepLink {
        DeepLink { values }
    }

    /// Every value, raw: strings mostly, `is_deferred` a boolean,
    /// `click_http_referrer` possibly `null`.
    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// The value of `key` when it is a string.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(Value::as_str)
    }

    /// `deep_link_value`: what the app should show.
    pub fn deep_link_value(&self) -> Option<&str> {
        self.string("deep_link_value")
    }

    /// `deep_link_sub{n}`, for n from 1 to 10; `None` outside that range.
    pub fn deep_link_sub(&self, n: u8) -> Option<&str> {
        if !(1..=10).contains(&n) {
            return None;
        }
        self.string(&format!("deep_link_sub{n}"))
    }

    /// Whether the link was clicked before the app was installed (deferred
    /// deep linking) rather than opened directly.
    pub fn is_deferred(&self) -> bool {
        match self.values.get("is_deferred") {
            Some(Value::Bool(b)) => *b,
            // Tolerated for servers or caches that stringify every value.
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }

    /// How a deferred deep link's click was matched to the install:
    /// `referrer`, `id_matching` or `probabilistic`.
    pub fn match_type(&self) -> Option<&str> {
        self.string("match_type")
    }

    /// The media source (`pid`) of a direct deep link.
    pub fn media_source(&self) -> Option<&str> {
        self.string("media_source")
    }

    /// The campaign (`c`) of a direct deep link.
    pub fn campaign(&self) -> Option<&str> {
        self.string("campaign")
    }

    /// The URL as opened, for a direct deep link.
    pub fn link(&self) -> Option<&str> {
        self.string("link")
    }

    /// The click time of a deferred deep link (`2026-11-22 16:04:50.605`).
    pub fn timestamp(&self) -> Option<&str> {
        self.string("timestamp")
    }
}

/// What `on_deep_linking` receives.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepLinkResult {
    /// Found, not found, or error.
    pub status: DeepLinkStatus,
    /// The deep link, with [`DeepLinkStatus::Found`] only.
    pub deep_link: Option<DeepLink>,
    /// The error kind, with [`DeepLinkStatus::Error`] only.
    pub error: Option<DeepLinkError>,
}

/// The longest piece of a server's text the SDK repeats in a message: a
/// hostile or broken server must not make the app log megabytes.
const MAX_ECHO_CHARS: usize = 200;

/// `text` cut to [`MAX_ECHO_CHARS`] characters.
pub(crate) fn echo(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_ECHO_CHARS).collect();
    if text.chars().nth(MAX_ECHO_CHARS).is_some() {
        out.push('…');
    }
    out
}

impl DeepLinkResult {
    /// A found deep link.
    pub fn found(deep_link: DeepLink) -> DeepLinkResult {
        DeepLinkResult {
            status: DeepLinkStatus::Found,
            deep_link: Some(deep_link),
            error: None,
        }
    }

    /// No deep link.
    pub fn not_found() -> DeepLinkResult {
        DeepLinkResult {
            status: DeepLinkStatus::NotFound,
            deep_link: None,
            error: None,
        }
    }

    /// A failed lookup.
    pub fn error(error: DeepLinkError) -> DeepLinkResult {
        DeepLinkResult {
            status: DeepLinkStatus::Error,
            deep_link: None,
            error: Some(error),
        }
    }

    /// Reads the `deep_link` member of a server answer:
    /// `{"status": "FOUND", "deep_link": {...}}`, `{"status": "NOT_FOUND"}`
    /// or `{"status": "ERROR", "error": "..."}`. Anything else is an
    /// [`DeepLinkError::Unexpected`] error, never a panic.
    pub fn from_server(value: Option<&Value>) -> DeepLinkResult {
        let unexpected = |why: String| DeepLinkResult::error(DeepLinkError::Unexpected(why));
        let Some(object) = value.and_then(Value::as_object) else {
            return unexpected("the answer carries no deep-link result".into());
        };
        match object.get("status").and_then(Value::as_str) {
            Some("FOUND") => match object.get("deep_link").and_then(Value::as_object) {
                Some(values) => DeepLinkResult::found(DeepLink::new(values.clone())),
                None => unexpected("FOUND without a deep link".into()),
            },
            Some("NOT_FOUND") => DeepLinkResult::not_found(),
            Some("ERROR") => {
                let reason = object
                    .get("error")
                    .and_then(Value::as_str)
                    .map_or_else(|| "the server reported an error".into(), echo);
                unexpected(reason)
            }
            Some(other) => unexpected(format!("unknown deep-link status {:?}", echo(other))),
            None => unexpected("the deep-link result has no status".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_found_answer_gives_typed_access_to_its_values() {
        let answer = json!({"status": "FOUND", "deep_link": {
            "deep_link_value": "bananas", "deep_link_sub2": "x",
            "is_deferred": true, "match_type": "referrer"}});
        let result = DeepLinkResult::from_server(Some(&answer));
        let link = result.deep_link.expect("found");
        assert_eq!(link.deep_link_value(), Some("bananas"));
        assert_eq!(link.deep_link_sub(2), Some("x"));
        assert_eq!(link.deep_link_sub(0), None);
        assert!(link.is_deferred());
        assert_eq!(link.match_type(), Some("referrer"));
    }

    #[test]
    fn malformed_answers_are_unexpected_errors() {
        for answer in [
            json!(null),
            json!("FOUND"),
            json!({"status": 3}),
            json!({"status": "FOUND", "deep_link": [1]}),
            json!({"status": "MAYBE"}),
        ] {
            let result = DeepLinkResult::from_server(Some(&answer));
            assert_eq!(result.status, DeepLinkStatus::Error, "{answer}");
            assert!(matches!(result.error, Some(DeepLinkError::Unexpected(_))));
        }
    }

    #[test]
    fn long_server_text_is_cut_in_messages() {
        let text = "é".repeat(1000);
        assert_eq!(echo(&text).chars().count(), MAX_ECHO_CHARS + 1);
    }
}
