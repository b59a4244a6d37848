//! Filling the link cache in the background after start-up, so that a
//! node that restarts under load serves its links from memory within
//! seconds instead of reading each one on its first click. The node
//! serves from the first moment; the warm-up only takes reads the clicks
//! would have made anyway, page by page, until the cache is full.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use waylink_store::LinkQuery;

use crate::state::AppState;

/// Links read per page.
const PAGE: usize = 5_000;

/// Reads every live link of every template into the cache, up to its
/// capacity, once the change feed has made its first read (which empties
/// the cache). Failures end the warm-up quietly: clicks fill the cache too.
pub async fn warm_links(state: Arc<AppState>, capacity: usize) {
    while !state.change_feed.started.load(Ordering::Acquire) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut kept = 0usize;
    let Ok(accounts) = state.store.list_accounts().await else {
        return;
    };
    for account in accounts {
        let Ok(templates) = state.store.list_templates(&account.account_id).await else {
            return;
        };
        for template in templates {
            let mut after = None;
            loop {
                let epoch = state.cache.epoch();
                let query = LinkQuery {
                    template_id: template.id.clone(),
                    filters: Vec::new(),
                    limit: PAGE,
                    after: after.take(),
                    now: state.clock.now(),
                };
                let Ok(page) = state.store.list_links(&query).await else {
                    return;
                };
                for link in page.links {
                    state.cache.keep_link(epoch, Arc::new(link));
                    kept += 1;
                    if kept >= capacity {
                        tracing::info!(links = kept, "link cache warmed up (full)");
                        return;
                    }
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
        }
    }
    tracing::info!(links = kept, "link cache warmed up");
}
