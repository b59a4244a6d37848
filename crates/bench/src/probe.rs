//! Questions the bench asks the server under test over HTTP: its click
//! counters, and whether a redirect answers as it should.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::lua::ANDROID;

/// The click counters of `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickCounters {
    /// Handed to the queue.
    pub queued: u64,
    /// Stored.
    pub written: u64,
    /// Refused by a full queue.
    pub dropped: u64,
    /// Lost to storage failures.
    pub failed: u64,
}

/// The bench's one HTTP client (its connections are reused), following
/// no redirects; a batch of 10,000 links may take a while.
pub(crate) fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(300))
                .build()
                .unwrap_or_default()
        })
        .clone()
}

/// The server's click counters now.
pub async fn counters(base: &str) -> anyhow::Result<ClickCounters> {
    let text = client()
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let read = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0)
    };
    Ok(ClickCounters {
        queued: read("waylink_clicks_queued_total "),
        written: read("waylink_clicks_written_total "),
        dropped: read("waylink_clicks_dropped_total "),
        failed: read("waylink_clicks_failed_total "),
    })
}

/// Waits until every queued click is written or failed (at most a minute).
pub async fn drained(base: &str) -> anyhow::Result<ClickCounters> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let c = counters(base).await?;
        if c.written + c.failed >= c.queued {
            return Ok(c);
        }
        if Instant::now() > deadline {
            bail!("clicks were still queued a minute after the load: {c:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The status of an Android tap on `path` of `host`.
pub async fn tap(base: &str, host: &str, path: &str) -> anyhow::Result<u16> {
    let response = client()
        .get(format!("{base}{path}"))
        .header("host", host)
        .header("user-agent", ANDROID)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    Ok(response.status().as_u16())
}
