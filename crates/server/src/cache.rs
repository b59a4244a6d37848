//! The node's cache of what a redirect reads: live links, and the templates
//! each host serves. A cached redirect needs no database at all, so it is
//! fast and it keeps working while the database is unreachable.
//!
//! What may go stale, and how it is kept fresh:
//!
//! - A link is cached once read live or created on this node; a link this
//!   node never saw is looked up in the store, so a link created on any
//!   node redirects on every node at once. Missing links are never cached
//!   for that reason. A node that starts reads the stored links into its
//!   cache in the background (`warm.rs`).
//! - An update or delete of a link, and any write of a template (a deleted
//!   template takes its cached links along), is forgotten here at once by
//!   the node that made it, and by every other
//!   node when [`follow_changes`] reads it from the change log (every
//!   half second by default, well within the 2 s the spec allows).
//! - A cached link past its cached expiry is read again: a click on
//!   another node may have renewed it.
//!
//! A read that started before a write and finishes after the write was
//! forgotten must not put the old value back: every forget bumps an epoch,
//! and a read only keeps what it inserted if the epoch did not move.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::sync::Cache;
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::link::Link;
use waylink_core::template::Template;
use waylink_store::Changed;

/// The templates a request's host serves.
#[derive(Debug, Clone)]
pub enum HostTemplates {
    /// A template domain or a brand domain: only these templates.
    Only(Vec<Arc<Template>>),
    /// Any other host: templates are found by path alone.
    Any,
}

/// Hosts and template ids remembered at most: few are real, the rest
/// come from whatever `Host` headers and paths visitors send.
const TEMPLATE_ENTRIES: usize = 10_000;

/// The cache of one node.
pub struct RoutingCache {
    links: Cache<(TemplateId, ShortlinkId), Arc<Link>>,
    hosts: Cache<String, Arc<HostTemplates>>,
    templates: Cache<String, Option<Arc<Template>>>,
    epoch: AtomicU64,
}

/// Where a read began: see [`RoutingCache::keep_link`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

impl RoutingCache {
    /// A cache of at most `link_capacity` links.
    pub fn new(link_capacity: usize) -> Self {
        RoutingCache {
            links: Cache::new(link_capacity.max(1)),
            hosts: Cache::new(TEMPLATE_ENTRIES),
            templates: Cache::new(TEMPLATE_ENTRIES),
            epoch: AtomicU64::new(0),
        }
    }

    /// The moment before a store read whose answer may be kept.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::SeqCst))
    }

    /// The cached link, if it is live at `now`.
    pub fn link(
        &self,
        template: &TemplateId,
        id: &ShortlinkId,
        now: Timestamp,
    ) -> Option<Arc<Link>> {
        // The key is owned; cloning two short ids is cheaper than a map
        // keyed by borrowed text would be to write.
        let link = self.links.get(&(template.clone(), id.clone()))?;
        link.is_live(now).then_some(link)
    }

    /// Keeps `link`, read from the store since `epoch`, unless something
    /// was forgotten meanwhile.
    pub fn keep_link(&self, epoch: Epoch, link: Arc<Link>) {
        let key = (link.template_id.clone(), link.shortlink_id.clone());
        if self.epoch() != epoch {
            return;
        }
        self.links.insert(key.clone(), link);
        // A forget that ran between the check and the insert did not see
        // this entry: take it out again.
        if self.epoch() != epoch {
            self.links.remove(&key);
        }
    }

    /// The cached templates of `host`.
    pub fn host(&self, host: &str) -> Option<Arc<HostTemplates>> {
        self.hosts.get(host)
    }

    /// Keeps the templates of `host`, read since `epoch`.
    pub fn keep_host(&self, epoch: Epoch, host: &str, templates: Arc<HostTemplates>) {
        self.keep(epoch, || self.hosts.insert(host.to_owned(), templates));
    }

    /// The cached answer for the template `id`: `Some(None)` when it is
    /// known not to exist.
    pub fn template(&self, id: &str) -> Option<Option<Arc<Template>>> {
        self.templates.get(id)
    }

    /// Keeps what the template `id` is, read since `epoch`.
    pub fn keep_template(&self, epoch: Epoch, id: &str, template: Option<Arc<Template>>) {
        self.keep(epoch, || self.templates.insert(id.to_owned(), template));
    }

    fn keep(&self, epoch: Epoch, insert: impl FnOnce()) {
        if self.epoch() == epoch {
            insert();
            if self.epoch() != epoch {
                self.forget_templates();
            }
        }
    }

    /// Forgets what `change` made stale.
    pub fn forget(&self, change: &Changed) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        match change {
            Changed::Link(template, id) => {
                self.links.remove(&(template.clone(), id.clone()));
            }
            // What a host serves may have changed; its links did not.
            Changed::Template(_) => self.forget_templates(),
            Changed::TemplateDeleted(template) => {
                self.forget_templates();
                // Its links went with it: they must not come back if a
                // template with the same id is made again.
                self.links.retain(|(t, _), _| t != template);
            }
        }
    }

    /// Forgets everything: when the change log cannot say what changed.
    pub fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.forget_templates();
        self.links.clear();
    }

    fn forget_templates(&self) {
        self.hosts.clear();
        self.templates.clear();
    }

    /// Links cached now.
    pub fn links_cached(&self) -> usize {
        self.links.len()
    }
}

mod follow;
mod warm;

pub use follow::{ChangeFeed, follow_changes};
pub use warm::warm_links;

#[cfg(test)]
mod tests {
    use waylink_core::link_data::LinkData;
    use waylink_core::ttl::Ttl;

    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_000_000);

    fn link(template: &str, id: &str) -> Arc<Link> {
        Arc::new(Link {
            template_id: TemplateId::from_stored(template.into()),
            shortlink_id: ShortlinkId::from_stored(id.into()),
            data: LinkData::default(),
            brand_domain: None,
            ttl: Ttl::from_stored_seconds(60),
            renew_ttl: true,
            created_at: NOW,
            updated_at: NOW,
            expires_at: NOW.plus_millis(60_000),
        })
    }

    fn key(l: &Link) -> (TemplateId, ShortlinkId) {
        (l.template_id.clone(), l.shortlink_id.clone())
    }

    #[test]
    fn a_kept_link_is_served_until_its_expiry() {
        let cache = RoutingCache::new(10);
        let l = link("T1", "a");
        cache.keep_link(cache.epoch(), Arc::clone(&l));
        let (t, s) = key(&l);
        assert!(cache.link(&t, &s, NOW.plus_millis(59_999)).is_some());
        assert!(cache.link(&t, &s, NOW.plus_millis(60_000)).is_none());
    }

    #[test]
    fn a_read_that_began_before_a_forget_is_not_kept() {
        let cache = RoutingCache::new(10);
        let l = link("T1", "a");
        let (t, s) = key(&l);
        let before = cache.epoch();
        cache.forget(&Changed::Link(t.clone(), s.clone()));
        cache.keep_link(before, l);
        assert!(cache.link(&t, &s, NOW).is_none());
    }

    #[test]
    fn forgetting_a_link_leaves_the_others() {
        let cache = RoutingCache::new(10);
        let (a, b) = (link("T1", "a"), link("T1", "b"));
        cache.keep_link(cache.epoch(), Arc::clone(&a));
        cache.keep_link(cache.epoch(), Arc::clone(&b));
        let (t, s) = key(&a);
        cache.forget(&Changed::Link(t.clone(), s.clone()));
        assert!(cache.link(&t, &s, NOW).is_none());
        let (t, s) = key(&b);
        assert!(cache.link(&t, &s, NOW).is_some());
    }

    #[test]
    fn a_template_update_forgets_hosts_and_keeps_links() {
        let cache = RoutingCache::new(10);
        let l = link("T1", "a");
        cache.keep_link(cache.epoch(), Arc::clone(&l));
        cache.keep_host(
            cache.epoch(),
            "feedme.links.test",
            Arc::new(HostTemplates::Any),
        );
        cache.forget(&Changed::Template(l.template_id.clone()));
        assert!(cache.host("feedme.links.test").is_none());
        let (t, s) = key(&l);
        assert!(cache.link(&t, &s, NOW).is_some());
    }

    #[test]
    fn a_template_deletion_forgets_hosts_and_that_templates_links_only() {
        let cache = RoutingCache::new(10);
        let (mine, other) = (link("T1", "a"), link("T2", "a"));
        cache.keep_link(cache.epoch(), Arc::clone(&mine));
        cache.keep_link(cache.epoch(), Arc::clone(&other));
        cache.keep_host(
            cache.epoch(),
            "feedme.links.test",
            Arc::new(HostTemplates::Any),
        );
        cache.keep_template(cache.epoch(), "T9", None);

        cache.forget(&Changed::TemplateDeleted(mine.template_id.clone()));
        assert!(cache.host("feedme.links.test").is_none());
        assert!(cache.template("T9").is_none());
        let (t, s) = key(&mine);
        assert!(cache.link(&t, &s, NOW).is_none());
        let (t, s) = key(&other);
        assert!(cache.link(&t, &s, NOW).is_some());
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity() {
        let cache = RoutingCache::new(100);
        for i in 0..1_000 {
            cache.keep_link(cache.epoch(), link("T1", &format!("l{i}")));
        }
        assert!(cache.links_cached() <= 100, "{}", cache.links_cached());
    }
}
