//! The background purge of expired links and stale counters.

use std::sync::Arc;
use std::time::Duration;

use crate::state::AppState;

/// Purges every `interval` until the task is dropped. Failures are logged
/// and retried at the next tick: a purge that waits loses nothing, since
/// expired links are already invisible to every read.
pub async fn run(state: Arc<AppState>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match state.store.purge_expired(state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged expired links"),
            Err(e) => {
                tracing::warn!(error = %e, "purge of expired links failed; retrying at the next tick")
            }
        }
    }
}
