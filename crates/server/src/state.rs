//! What every handler shares.

use std::sync::Arc;

use waylink_core::clock::{AdjustableClock, Clock};
use waylink_core::ids::ShortlinkId;
use waylink_core::link::short_url;
use waylink_core::template::Template;
use waylink_store::Store;

use crate::auth::KeyCache;
use crate::cache::{ChangeFeed, RoutingCache};
use crate::clicks::ClickQueue;
use crate::config::Cidr;

/// The shared state of the server.
pub struct AppState {
    /// Where everything is kept.
    pub store: Arc<dyn Store>,
    /// What redirects read, kept in memory (see [`crate::cache`]).
    pub cache: Arc<RoutingCache>,
    /// How the following of the change log is doing.
    pub change_feed: Arc<ChangeFeed>,
    /// Accounts of recently seen API keys.
    pub keys: KeyCache,
    /// The time everything is decided by.
    pub clock: Arc<dyn Clock>,
    /// The same clock, when the operator may move it (`--test-clock`).
    pub test_clock: Option<Arc<dyn AdjustableClock>>,
    /// The operator's token; `None`: operator API off.
    pub admin_token: Option<String>,
    /// How short URLs are written.
    pub public: PublicUrls,
    /// Requests per second per account, unless the account sets its own.
    pub default_rate_limit: u64,
    /// Where redirects hand their clicks over.
    pub clicks: ClickQueue,
    /// The key of the client IP hashes.
    pub ip_hash_key: Vec<u8>,
    /// The key that signs dashboard sessions, shared by every node.
    pub session_key: Vec<u8>,
    /// Networks whose `x-forwarded-for` is believed.
    pub trusted_proxies: Vec<Cidr>,
}

/// The public face of short URLs: scheme and base domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrls {
    /// `http` or `https`.
    pub scheme: String,
    /// Template subdomains hang under this host (it may carry a port).
    pub base_domain: String,
}

impl PublicUrls {
    /// The host of a template: `{subdomain}.{base_domain}`.
    pub fn template_host(&self, template: &Template) -> String {
        format!("{}.{}", template.subdomain, self.base_domain)
    }

    /// The short URL of a link, on its brand domain when it has one.
    pub fn short_url(
        &self,
        template: &Template,
        brand_domain: Option<&str>,
        id: &ShortlinkId,
    ) -> String {
        let host = brand_domain.map_or_else(|| self.template_host(template), str::to_owned);
        short_url(&self.scheme, &host, &template.id, id)
    }

    /// True when `host` is the base domain or one of its subdomains, which
    /// belong to templates and so can never be a brand domain.
    pub fn is_under_base_domain(&self, host: &str) -> bool {
        host == self.base_domain || host.ends_with(&format!(".{}", self.base_domain))
    }

    /// The URL of a template's page of a well-known file.
    pub fn template_url(&self, template: &Template, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.template_host(template), path)
    }
}
