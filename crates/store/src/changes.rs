//! The change log, as nodes read it: which cached links and templates
//! another node (or this one) has changed.
//!
//! Rows carry the database's clock, so a reader asks "what changed since
//! time T" against one clock for every node. A transaction's rows take the
//! time it started and become visible when it commits, so a reader must
//! look back further than its last read by more than the longest write
//! transaction; [`LOOK_BACK_MS`] is that margin, and a reader skips the rows
//! it has already seen by their `id`.

use waylink_core::ids::{ShortlinkId, TemplateId};

/// How far before the previous read's time a reader looks again.
pub const LOOK_BACK_MS: i64 = 10_000;
/// How long rows are kept: a node that could not read the log for longer
/// must drop its whole cache.
pub const KEEP_MS: i64 = 3_600_000;
/// Most rows one read answers; a reader that gets this many cannot know
/// what it missed and drops its whole cache.
pub const READ_LIMIT: usize = 10_000;

/// What a change row names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Changed {
    /// A link was updated or deleted.
    Link(TemplateId, ShortlinkId),
    /// A template was created or updated.
    Template(TemplateId),
    /// A template was deleted, and its links with it.
    TemplateDeleted(TemplateId),
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its id, unique in the log (not an order: engines hand ids out of order).
    pub id: i64,
    /// When it was written, by the database's clock (milliseconds).
    pub at: i64,
    /// What changed.
    pub what: Changed,
}

/// The answer to one read of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeBatch {
    /// The database's clock when the read began (milliseconds).
    pub now: i64,
    /// The rows written after the time asked for, oldest first, at most
    /// [`READ_LIMIT`].
    pub changes: Vec<Change>,
}

impl Changed {
    /// The kind column of a row naming `self`, and its two key columns.
    pub fn columns(&self) -> (&'static str, &str, &str) {
        match self {
            Changed::Link(t, s) => ("link", t.as_str(), s.as_str()),
            Changed::Template(t) => ("template", t.as_str(), ""),
            Changed::TemplateDeleted(t) => ("template_deleted", t.as_str(), ""),
        }
    }

    /// The change a row's columns name, if its kind is known.
    pub fn from_columns(kind: &str, template_id: String, shortlink_id: String) -> Option<Changed> {
        let template = TemplateId::from_stored(template_id);
        match kind {
            "link" => Some(Changed::Link(
                template,
                ShortlinkId::from_stored(shortlink_id),
            )),
            "template" => Some(Changed::Template(template)),
            "template_deleted" => Some(Changed::TemplateDeleted(template)),
            _ => None,
        }
    }
}
