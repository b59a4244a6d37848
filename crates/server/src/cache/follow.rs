//! Following the change log: one task per node reads what changed since
//! its last read and forgets it from the [`RoutingCache`].

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use waylink_store::changes::{KEEP_MS, LOOK_BACK_MS, READ_LIMIT};
use waylink_store::{ChangeBatch, Store};

use super::RoutingCache;

/// How the change feed is doing, shown at `/metrics`.
#[derive(Debug, Default)]
pub struct ChangeFeed {
    /// Reads of the log that failed since the last one that worked.
    pub failing_reads: AtomicU64,
    /// Changes forgotten from the cache.
    pub applied: AtomicU64,
    /// Set once the first read worked: from then on, what is cached stays
    /// until the log says otherwise.
    pub started: AtomicBool,
}

/// What the follower remembers between reads.
struct Follower {
    /// The database's time of the last read that worked.
    last_read: Option<i64>,
    /// When (this process's clock) that read happened.
    last_read_at: Instant,
    /// Rows already applied, by id, with their time: reads overlap by
    /// [`LOOK_BACK_MS`], so most rows come back more than once.
    seen: HashMap<i64, i64>,
}

impl Follower {
    /// Applies one read; answers how many changes were new.
    fn apply(&mut self, batch: ChangeBatch, cache: &RoutingCache) -> u64 {
        // The first read gives only a starting time: whatever was cached
        // before it cannot be checked against the log, so it goes.
        let first = self.last_read.is_none();
        let stale = self.last_read_at.elapsed() > Duration::from_millis((KEEP_MS / 2) as u64);
        if first {
            cache.forget_all();
        } else if stale || batch.changes.len() >= READ_LIMIT {
            // Rows may be gone from the log, or cut off by the limit: what
            // changed is unknown, so nothing cached can be trusted.
            tracing::warn!(
                "the change log could not say everything that changed; the link cache starts over"
            );
            cache.forget_all();
        }
        let mut new = 0;
        for change in batch.changes {
            if self.seen.insert(change.id, change.at).is_none() {
                cache.forget(&change.what);
                new += 1;
            }
        }
        let horizon = batch.now - LOOK_BACK_MS;
        self.seen.retain(|_, at| *at > horizon);
        self.last_read = Some(batch.now);
        self.last_read_at = Instant::now();
        new
    }
}

/// Reads the change log every `interval` and forgets what changed, until
/// the task is aborted. A failed read is logged once per outage and
/// retried; the next read that works covers everything since the last
/// one that did.
pub async fn follow_changes(
    store: Arc<dyn Store>,
    cache: Arc<RoutingCache>,
    feed: Arc<ChangeFeed>,
    interval: Duration,
) {
    let mut follower = Follower {
        last_read: None,
        last_read_at: Instant::now(),
        seen: HashMap::new(),
    };
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let since = follower.last_read.map(|t| t - LOOK_BACK_MS);
        match store.changes_since(since).await {
            Ok(batch) => {
                if feed.failing_reads.swap(0, Ordering::Relaxed) > 0 {
                    tracing::info!("the change log can be read again");
                }
                let new = follower.apply(batch, &cache);
                feed.applied.fetch_add(new, Ordering::Relaxed);
                feed.started.store(true, Ordering::Release);
            }
            Err(e) => {
                if feed.failing_reads.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::warn!(error = %e, "cannot read the change log; cached links are served as they are");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use waylink_core::clock::Timestamp;
    use waylink_core::ids::{ShortlinkId, TemplateId};
    use waylink_core::link::Link;
    use waylink_core::link_data::LinkData;
    use waylink_core::ttl::Ttl;
    use waylink_store::{Change, Changed};

    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_000_000);

    fn cached(cache: &RoutingCache, id: &str) -> bool {
        let (t, s) = (
            TemplateId::from_stored("T1".into()),
            ShortlinkId::from_stored(id.into()),
        );
        cache.link(&t, &s, NOW).is_some()
    }

    fn keep(cache: &RoutingCache, id: &str) {
        cache.keep_link(
            cache.epoch(),
            Arc::new(Link {
                template_id: TemplateId::from_stored("T1".into()),
                shortlink_id: ShortlinkId::from_stored(id.into()),
                data: LinkData::default(),
                brand_domain: None,
                ttl: Ttl::from_stored_seconds(60),
                renew_ttl: false,
                created_at: NOW,
                updated_at: NOW,
                expires_at: NOW.plus_millis(60_000),
            }),
        );
    }

    fn change(id: i64, at: i64, link: &str) -> Change {
        Change {
            id,
            at,
            what: Changed::Link(
                TemplateId::from_stored("T1".into()),
                ShortlinkId::from_stored(link.into()),
            ),
        }
    }

    fn follower() -> Follower {
        Follower {
            last_read: None,
            last_read_at: Instant::now(),
            seen: HashMap::new(),
        }
    }

    #[tokio::test]
    async fn the_first_read_starts_the_cache_over_and_later_reads_forget_what_changed() {
        let cache = RoutingCache::new(10);
        let mut f = follower();
        keep(&cache, "early");
        f.apply(
            ChangeBatch {
                now: 100_000,
                changes: Vec::new(),
            },
            &cache,
        );
        assert!(!cached(&cache, "early"), "cached before the first read");

        keep(&cache, "a");
        keep(&cache, "b");
        let batch = ChangeBatch {
            now: 100_500,
            changes: vec![change(1, 100_200, "a")],
        };
        assert_eq!(f.apply(batch, &cache), 1);
        assert!(!cached(&cache, "a"));
        assert!(cached(&cache, "b"));
    }

    #[tokio::test]
    async fn a_row_read_twice_is_applied_once() {
        let cache = RoutingCache::new(10);
        let mut f = follower();
        f.apply(
            ChangeBatch {
                now: 100_000,
                changes: Vec::new(),
            },
            &cache,
        );
        let rows = vec![change(7, 100_100, "a")];
        assert_eq!(
            f.apply(
                ChangeBatch {
                    now: 100_500,
                    changes: rows.clone()
                },
                &cache
            ),
            1
        );
        keep(&cache, "a");
        assert_eq!(
            f.apply(
                ChangeBatch {
                    now: 101_000,
                    changes: rows
                },
                &cache
            ),
            0
        );
        assert!(
            cached(&cache, "a"),
            "the same row does not forget a fresh read"
        );
    }

    #[tokio::test]
    async fn a_full_read_starts_the_cache_over() {
        let cache = RoutingCache::new(10);
        let mut f = follower();
        f.apply(
            ChangeBatch {
                now: 100_000,
                changes: Vec::new(),
            },
            &cache,
        );
        keep(&cache, "b");
        let rows = (0..READ_LIMIT as i64)
            .map(|i| change(i, 100_001, "a"))
            .collect();
        f.apply(
            ChangeBatch {
                now: 100_500,
                changes: rows,
            },
            &cache,
        );
        assert!(
            !cached(&cache, "b"),
            "rows past the limit may have named it"
        );
    }
}
