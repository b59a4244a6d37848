//! Requests to the Waylink server: the app key in `authorization`, a
//! timeout on every attempt, bounded retries with backoff for failures that
//! may pass (network errors, timeouts, 5xx) and none for refusals (4xx), and
//! a cap on how much of an answer is read.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::deep_link::{DeepLinkError, echo};

/// Answers larger than this are not Waylink answers; reading stops there so
/// a broken or hostile server cannot exhaust the app's memory.
pub(crate) const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The first pause between attempts; each retry doubles it, up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Why a call got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CallError {
    /// No answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// No connection, or it broke.
    #[error("the server cannot be reached: {0}")]
    Network(String),
    /// An HTTP error status, with the server's `{"error_type", "message"}`
    /// when it sent one.
    #[error("the server answered HTTP {code}{detail}")]
    Status {
        /// The status code.
        code: u16,
        /// `: error_type: message`, or empty.
        detail: String,
    },
    /// A success status with a body that is not the expected JSON.
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
}

impl CallError {
    /// Whether the server is, as far as the app can tell, unreachable: what
    /// falls back to cached conversion data. A 4xx is the server refusing a
    /// request it did receive, so it does not; a success status with a
    /// garbage body does (a captive portal answers 200 with HTML).
    pub(crate) fn is_unreachable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Network(_) | CallError::Unexpected(_) => true,
            CallError::Status { code, .. } => *code >= 500,
        }
    }

    /// Whether another attempt may succeed.
    fn is_retryable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Network(_) => true,
            CallError::Status { code, .. } => *code >= 500,
            CallError::Unexpected(_) => false,
        }
    }

    /// The UDL error kind of this failure.
    pub(crate) fn deep_link_error(&self) -> DeepLinkError {
        match self {
            CallError::Timeout => DeepLinkError::Timeout,
            CallError::Network(_) => DeepLinkError::Network,
            CallError::Status { code, .. } => DeepLinkError::HttpStatusCode(*code),
            CallError::Unexpected(why) => DeepLinkError::Unexpected(why.clone()),
        }
    }

    fn from_reqwest(error: &reqwest::Error) -> CallError {
        if error.is_timeout() {
            return CallError::Timeout;
        }
        // reqwest's own message is terse ("error sending request"); the
        // cause (connection refused, reset) is in the source chain.
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        CallError::Network(echo(&text))
    }
}

/// The HTTP side of the SDK.
pub(crate) struct Transport {
    client: reqwest::Client,
    base: Url,
    app_key: String,
    request_timeout: Duration,
    max_retries: u32,
}

impl Transport {
    /// A transport to the server at `base`.
    pub(crate) fn new(
        client: reqwest::Client,
        base: Url,
        app_key: String,
        request_timeout: Duration,
        max_retries: u32,
    ) -> Transport {
        Transport {
            client,
            base,
            app_key,
            request_timeout,
            max_retries,
        }
    }

    /// The server URL with `segments` appended to its path.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Result<Url, CallError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| CallError::Unexpected("the server URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// `POST`s `body` as JSON to `segments` and reads the JSON answer.
    pub(crate) async fn post(
        &self,
        segments: &[&str],
        body: &impl serde::Serialize,
    ) -> Result<Value, CallError> {
        let url = self.endpoint(segments)?;
        let body = serde_json::to_vec(body).map_err(|e| CallError::Unexpected(e.to_string()))?;
        self.with_retries(|| {
            self.client
                .post(url.clone())
                .header("content-type", "application/json")
                .body(body.clone())
        })
        .await
    }

    /// `GET`s `url` and reads the JSON answer.
    pub(crate) async fn get(&self, url: Url) -> Result<Value, CallError> {
        self.with_retries(|| self.client.get(url.clone())).await
    }

    async fn with_retries(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Value, CallError> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            let sent = request().header("authorization", &self.app_key);
            let outcome = match tokio::time::timeout(self.request_timeout, once(sent)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(CallError::Timeout),
            };
            match outcome {
                Err(e) if e.is_retryable() && attempt < self.max_retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                other => return other,
            }
        }
    }
}

/// One attempt: send, check the status, read at most
/// [`MAX_ANSWER_BYTES`], parse.
async fn once(request: reqwest::RequestBuilder) -> Result<Value, CallError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| CallError::from_reqwest(&e))?;
    let status = response.status();
    let body = read_capped(&mut response).await;
    if status.is_success() {
        let body = body?;
        return serde_json::from_slice(&body)
            .map_err(|_| CallError::Unexpected("the answer is not JSON".into()));
    }
    Err(CallError::Status {
        code: status.as_u16(),
        detail: body.map(|b| error_detail(&b)).unwrap_or_default(),
    })
}

/// The body of `response`, or an error once it passes the cap.
async fn read_capped(response: &mut reqwest::Response) -> Result<Vec<u8>, CallError> {
    let too_large =
        || CallError::Unexpected(format!("the answer is over {MAX_ANSWER_BYTES} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| CallError::from_reqwest(&e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `: error_type: message` from a Waylink error body, or empty.
fn error_detail(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return String::new();
    };
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(echo);
    match (field("error_type"), field("message")) {
        (Some(kind), Some(message)) => format!(": {kind}: {message}"),
        (Some(text), None) | (None, Some(text)) => format!(": {text}"),
        (None, None) => String::new(),
    }
}

/// Whether a status is a not-found answer (an unknown or expired link).
pub(crate) fn is_not_found(error: &CallError) -> bool {
    matches!(error, CallError::Status { code, .. } if *code == StatusCode::NOT_FOUND.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_may_pass_are_retried() {
        let status = |code| CallError::Status {
            code,
            detail: String::new(),
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(401).is_retryable());
        assert!(!status(429).is_retryable());
        assert!(CallError::Timeout.is_retryable());
        assert!(!CallError::Unexpected("x".into()).is_retryable());
    }

    #[test]
    fn error_bodies_give_their_type_and_message() {
        let body = br#"{"error_type":"authentication_failure","message":"Authentication Failed"}"#;
        assert_eq!(
            error_detail(body),
            ": authentication_failure: Authentication Failed"
        );
        assert_eq!(error_detail(b"<html>"), "");
    }
}
