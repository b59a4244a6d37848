//! The click queue: the redirect hands a click over and never waits for
//! storage; one writer task stores clicks in batches.
//!
//! The queue is bounded, so a storage stall cannot eat the memory of the
//! node: when it is full the redirect is still served and the click is
//! counted as dropped. On shutdown the writer stops taking new clicks,
//! writes everything queued, and only then lets the process exit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use waylink_core::click::Click;
use waylink_store::{Store, StoreError};

/// Most clicks written in one transaction: large, so that a busy node
/// pays for few commits.
const BATCH: usize = 5_000;
/// Attempts at writing one batch before it is given up as failed.
const ATTEMPTS: u32 = 8;

/// Counters of the click pipeline, shown at `/metrics`.
#[derive(Debug, Default)]
pub struct ClickMetrics {
    /// Clicks handed to the queue.
    pub queued: AtomicU64,
    /// Clicks refused because the queue was full.
    pub dropped: AtomicU64,
    /// Clicks stored.
    pub written: AtomicU64,
    /// Clicks whose batch failed every attempt.
    pub failed: AtomicU64,
}

/// The sending side, held by the server state.
#[derive(Clone)]
pub struct ClickQueue {
    sender: mpsc::Sender<Click>,
    metrics: Arc<ClickMetrics>,
}

/// The receiving side, run by [`ClickWriter::run`].
pub struct ClickWriter {
    receiver: mpsc::Receiver<Click>,
    store: Arc<dyn Store>,
    metrics: Arc<ClickMetrics>,
}

/// A queue of `capacity` clicks and its writer.
pub fn click_queue(capacity: usize, store: Arc<dyn Store>) -> (ClickQueue, ClickWriter) {
    let (sender, receiver) = mpsc::channel(capacity.max(1));
    let metrics = Arc::new(ClickMetrics::default());
    (
        ClickQueue {
            sender,
            metrics: Arc::clone(&metrics),
        },
        ClickWriter {
            receiver,
            store,
            metrics,
        },
    )
}

impl ClickQueue {
    /// Hands a click over without waiting; a full queue drops it and counts it.
    pub fn submit(&self, click: Click) {
        match self.sender.try_send(click) {
            Ok(()) => {
                self.metrics.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.metrics.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The pipeline's counters.
    pub fn metrics(&self) -> &ClickMetrics {
        &self.metrics
    }

    /// Clicks waiting to be written.
    pub fn depth(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }
}

impl ClickWriter {
    /// Writes clicks as they come until `stop` fires, then drains the queue.
    ///
    /// While the database is unavailable a batch is retried for as long as
    /// the server runs (the queue fills meanwhile, and only then are new
    /// clicks dropped); other failures are retried a few times. Once
    /// stopping, each batch gets a few tries, and after one batch failed
    /// for good the rest get one, so that a dead database cannot hold the
    /// process up for long.
    pub async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut stopping = false;
        while !stopping {
            tokio::select! {
                received = self.receiver.recv_many(&mut batch, BATCH) => {
                    if received == 0 {
                        return;
                    }
                    self.write(&mut batch, &mut stop, &mut stopping).await;
                }
                _ = &mut stop => stopping = true,
            }
        }
        // No new clicks from here on; everything already queued is written.
        self.receiver.close();
        let mut healthy = true;
        while self.receiver.recv_many(&mut batch, BATCH).await > 0 {
            let attempts = if healthy { ATTEMPTS } else { 1 };
            healthy = self.write_draining(&mut batch, attempts).await;
        }
    }

    /// Writes `batch` while serving; `stop` cuts a wait for the database
    /// short, and sets `stopping`.
    async fn write(
        &self,
        batch: &mut Vec<Click>,
        stop: &mut oneshot::Receiver<()>,
        stopping: &mut bool,
    ) {
        let mut delay = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            let error = match self.store.record_clicks(batch).await {
                Ok(()) => return self.written(batch),
                Err(e) => e,
            };
            let unavailable = matches!(error, StoreError::Unavailable(_));
            if !unavailable && attempt >= ATTEMPTS {
                return self.lost(batch, &error);
            }
            if attempt == 1 || attempt % 20 == 0 {
                tracing::warn!(error = %error, attempt, clicks = batch.len(), "writing clicks failed; retrying");
            }
            attempt += 1;
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = &mut *stop => {
                    *stopping = true;
                    self.write_draining(batch, ATTEMPTS).await;
                    return;
                }
            }
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    /// Writes `batch` on the way out, in at most `attempts` tries; `true`
    /// when it was stored.
    async fn write_draining(&self, batch: &mut Vec<Click>, attempts: u32) -> bool {
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=attempts {
            match self.store.record_clicks(batch).await {
                Ok(()) => {
                    self.written(batch);
                    return true;
                }
                Err(e) if attempt < attempts => {
                    tracing::warn!(error = %e, attempt, clicks = batch.len(), "writing clicks failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => self.lost(batch, &e),
            }
        }
        false
    }

    fn written(&self, batch: &mut Vec<Click>) {
        self.metrics
            .written
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch.clear();
    }

    fn lost(&self, batch: &mut Vec<Click>, error: &StoreError) {
        tracing::error!(error = %error, clicks = batch.len(), "writing clicks failed for good; they are lost");
        self.metrics
            .failed
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch.clear();
    }
}
