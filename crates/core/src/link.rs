//! A stored short link: its expiry, its renewal on click, and its URL.

use crate::clock::Timestamp;
use crate::ids::{ShortlinkId, TemplateId};
use crate::link_data::LinkData;
use crate::ttl::Ttl;

/// A short link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The template the link belongs to.
    pub template_id: TemplateId,
    /// The link's id within the template.
    pub shortlink_id: ShortlinkId,
    /// The link's parameters.
    pub data: LinkData,
    /// The brand domain its short URL uses, if one was asked for.
    pub brand_domain: Option<String>,
    /// The TTL it was created or last updated with.
    pub ttl: Ttl,
    /// Whether a click pushes its expiry forward.
    pub renew_ttl: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last created, updated or renewed.
    pub updated_at: Timestamp,
    /// When it stops existing.
    pub expires_at: Timestamp,
}

impl Link {
    /// A link created or replaced at `now`: it expires `ttl` later.
    pub fn new(
        template_id: TemplateId,
        shortlink_id: ShortlinkId,
        write: LinkWrite,
        now: Timestamp,
    ) -> Self {
        Link {
            template_id,
            shortlink_id,
            expires_at: now.plus_millis(write.ttl.millis()),
            data: write.data,
            brand_domain: write.brand_domain,
            ttl: write.ttl,
            renew_ttl: write.renew_ttl,
            created_at: now,
            updated_at: now,
        }
    }

    /// True while the link exists: strictly before its expiry.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    /// Whole seconds left before expiry (0 once expired).
    pub fn seconds_left(&self, now: Timestamp) -> i64 {
        now.whole_seconds_until(self.expires_at)
    }

    /// The expiry a click at `now` gives the link: the click time plus the
    /// link's TTL, or `None` when the link does not renew or is gone.
    pub fn renewed_expiry(&self, now: Timestamp) -> Option<Timestamp> {
        renewed_expiry(self.renew_ttl, self.ttl, self.expires_at, now)
    }
}

/// The expiry a click at `now` gives a link with these settings; `None`
/// when it does not renew (`renew_ttl: false`) or has already expired.
/// Renewal never shortens a link's life.
pub fn renewed_expiry(
    renew_ttl: bool,
    ttl: Ttl,
    expires_at: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    if !renew_ttl || now >= expires_at {
        return None;
    }
    Some(now.plus_millis(ttl.millis()).max(expires_at))
}

/// What a create or update writes: the data and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWrite {
    /// The new parameters; they replace the old ones whole.
    pub data: LinkData,
    /// The TTL from the request (or the default).
    pub ttl: Ttl,
    /// Whether clicks renew the link.
    pub renew_ttl: bool,
    /// The brand domain for its short URL.
    pub brand_domain: Option<String>,
}

/// `{scheme}://{host}/{tid}/{sid}`.
pub fn short_url(scheme: &str, host: &str, template: &TemplateId, id: &ShortlinkId) -> String {
    format!("{scheme}://{host}/{template}/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{DAY_MS, SECOND_MS};

    fn link(renew_ttl: bool) -> Link {
        Link::new(
            TemplateId::parse("H5hv").unwrap(),
            ShortlinkId::parse("bananas7").unwrap(),
            LinkWrite {
                data: LinkData::default(),
                ttl: Ttl::from_stored_seconds(10 * 86_400),
                renew_ttl,
                brand_domain: None,
            },
            Timestamp::from_millis(1_000 * DAY_MS),
        )
    }

    #[test]
    fn a_link_lives_until_just_before_its_expiry() {
        let l = link(true);
        assert_eq!(l.expires_at.as_millis(), 1_010 * DAY_MS);
        assert!(l.is_live(Timestamp::from_millis(1_010 * DAY_MS - 1)));
        assert!(!l.is_live(Timestamp::from_millis(1_010 * DAY_MS)));
        assert_eq!(
            l.seconds_left(Timestamp::from_millis(1_010 * DAY_MS - 1_500)),
            1
        );
    }

    #[test]
    fn a_click_pushes_expiry_to_click_time_plus_ttl() {
        let l = link(true);
        let click = Timestamp::from_millis(1_009 * DAY_MS);
        assert_eq!(
            l.renewed_expiry(click),
            Some(Timestamp::from_millis(1_019 * DAY_MS))
        );
    }

    #[test]
    fn a_link_made_with_renew_ttl_false_is_not_renewed() {
        assert_eq!(
            link(false).renewed_expiry(Timestamp::from_millis(1_009 * DAY_MS)),
            None
        );
    }

    #[test]
    fn an_expired_link_is_not_renewed() {
        assert_eq!(
            link(true).renewed_expiry(Timestamp::from_millis(1_010 * DAY_MS)),
            None
        );
    }

    #[test]
    fn renewal_never_shortens_a_link() {
        let mut l = link(true);
        l.ttl = Ttl::from_stored_seconds(1);
        let click = Timestamp::from_millis(1_000 * DAY_MS + SECOND_MS);
        assert_eq!(l.renewed_expiry(click), Some(l.expires_at));
    }

    #[test]
    fn the_short_url_joins_scheme_host_template_and_id() {
        let l = link(true);
        assert_eq!(
            short_url(
                "https",
                "feedme.links.example",
                &l.template_id,
                &l.shortlink_id
            ),
            "https://feedme.links.example/H5hv/bananas7"
        );
    }
}
