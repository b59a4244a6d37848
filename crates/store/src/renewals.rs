//! The renewals a batch of clicks makes, as both backends write them.

use std::collections::BTreeMap;

use waylink_core::click::Click;
use waylink_core::clock::Timestamp;

/// A link a batch renews: template, short link, and the times of its first
/// and last click in the batch.
pub type Renewal<'a> = (&'a str, &'a str, Timestamp, Timestamp);

/// The links a batch renews, each once, in key order (so that two batches
/// lock shared links in the same order).
///
/// A link live at its first click in the batch is renewed to its last
/// click plus its TTL: the same as renewing click by click, unless one
/// batch spans more than the link's TTL (batches span milliseconds).
pub fn renewals(clicks: &[Click]) -> Vec<Renewal<'_>> {
    let mut span: BTreeMap<(&str, &str), (Timestamp, Timestamp)> = BTreeMap::new();
    for c in clicks.iter().filter(|c| !c.expired) {
        let Some(sid) = c.shortlink_id.as_deref() else {
            continue;
        };
        let entry = span
            .entry((c.template_id.as_str(), sid))
            .or_insert((c.at, c.at));
        entry.0 = entry.0.min(c.at);
        entry.1 = entry.1.max(c.at);
    }
    span.into_iter()
        .map(|((t, s), (first, last))| (t, s, first, last))
        .collect()
}
