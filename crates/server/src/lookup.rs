//! What a redirect looks up — the templates of a host, a template by id, a
//! live link — through the node's [`RoutingCache`](crate::cache) first and
//! the store only on a miss.

use std::sync::Arc;

use waylink_core::clock::Timestamp;
use waylink_core::ids::ShortlinkId;
use waylink_core::link::Link;
use waylink_core::template::Template;

use crate::cache::HostTemplates;
use crate::error::ApiError;
use crate::state::AppState;

/// Which templates `host` serves.
pub async fn host_templates(state: &AppState, host: &str) -> Result<Arc<HostTemplates>, ApiError> {
    if let Some(found) = state.cache.host(host) {
        return Ok(found);
    }
    let epoch = state.cache.epoch();
    let found = Arc::new(read_host_templates(state, host).await?);
    state.cache.keep_host(epoch, host, Arc::clone(&found));
    Ok(found)
}

async fn read_host_templates(state: &AppState, host: &str) -> Result<HostTemplates, ApiError> {
    let base = &state.public.base_domain;
    // A base domain without a port matches hosts on any port.
    let compared = if base.contains(':') {
        host
    } else {
        host.split(':').next().unwrap_or(host)
    };
    if let Some(sub) = compared
        .strip_suffix(base.as_str())
        .and_then(|s| s.strip_suffix('.'))
    {
        if sub.contains('.') {
            return Ok(HostTemplates::Only(Vec::new()));
        }
        let found = state.store.template_by_subdomain(sub).await?;
        return Ok(HostTemplates::Only(
            found.into_iter().map(Arc::new).collect(),
        ));
    }
    let mut brand = state.store.templates_by_brand_domain(host).await?;
    if brand.is_empty() && host.contains(':') {
        brand = state
            .store
            .templates_by_brand_domain(host.split(':').next().unwrap_or(host))
            .await?;
    }
    Ok(if brand.is_empty() {
        HostTemplates::Any
    } else {
        HostTemplates::Only(brand.into_iter().map(Arc::new).collect())
    })
}

/// The template `tid` as `host` serves it, if it does.
pub async fn template_for(
    state: &AppState,
    host: &str,
    tid: &str,
) -> Result<Option<Arc<Template>>, ApiError> {
    match &*host_templates(state, host).await? {
        HostTemplates::Only(list) => Ok(list.iter().find(|t| t.id.as_str() == tid).cloned()),
        HostTemplates::Any => {
            if let Some(known) = state.cache.template(tid) {
                return Ok(known);
            }
            let epoch = state.cache.epoch();
            let found = state.store.find_template(tid).await?.map(Arc::new);
            state.cache.keep_template(epoch, tid, found.clone());
            Ok(found)
        }
    }
}

/// The link `id` of `template` if it is live at `now`.
pub async fn live_link(
    state: &AppState,
    template: &Template,
    id: &ShortlinkId,
    now: Timestamp,
) -> Result<Option<Arc<Link>>, ApiError> {
    if let Some(link) = state.cache.link(&template.id, id, now) {
        return Ok(Some(link));
    }
    let epoch = state.cache.epoch();
    let Some(link) = state.store.get_link(&template.id, id, now).await? else {
        return Ok(None);
    };
    let link = Arc::new(link);
    state.cache.keep_link(epoch, Arc::clone(&link));
    Ok(Some(link))
}
