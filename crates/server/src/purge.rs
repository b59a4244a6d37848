//! The background purge of expired links and stale counters.

use std::sync::Arc;
use std::time::Duration;

use waylink_core::random::{ALPHANUMERIC, random_string};

use crate::state::AppState;

/// The name of the purge's lease among the store's leases.
const LEASE: &str = "purge";

/// Purges every `interval` until the task is dropped. Nodes that share a
/// database take turns through a lease, so one purge runs at a time; the
/// holder keeps it by renewing it every tick, and another node takes over
/// once it has not been renewed for three intervals. Failures are logged
/// and retried at the next tick: a purge that waits loses nothing, since
/// expired links are already invisible to every read.
pub async fn run(state: Arc<AppState>, interval: Duration) {
    let node = random_string(16, ALPHANUMERIC);
    let lease_ms = i64::try_from(interval.as_millis())
        .unwrap_or(i64::MAX / 4)
        .saturating_mul(3);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match state
            .store
            .try_lease(LEASE, &node, state.clock.now(), lease_ms)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "cannot take the purge lease; retrying at the next tick");
                continue;
            }
        }
        match state.store.purge_expired(state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged expired links"),
            Err(e) => {
                tracing::warn!(error = %e, "purge of expired links failed; retrying at the next tick")
            }
        }
    }
}
