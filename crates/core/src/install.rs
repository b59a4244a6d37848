//! Installs and re-engagements as they are kept.

use crate::attribution::Attribution;
use crate::clock::Timestamp;
use crate::ids::TemplateId;
use crate::user_agent::DeviceKind;

/// The first launch of a device for an app, and how it was attributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// The app.
    pub app_id: String,
    /// The SDK's id of the device (new on every reinstall).
    pub device_id: String,
    /// The app's platform.
    pub platform: DeviceKind,
    /// When the install launch arrived.
    pub installed_at: Timestamp,
    /// The outcome, fixed at the install. A stored click keeps only what
    /// payloads need: id, time, template, short link, data and referer.
    pub attribution: Attribution,
}

/// An open of an installed app through a link with `is_retargeting=true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reengagement {
    /// The app.
    pub app_id: String,
    /// The device.
    pub device_id: String,
    /// When the open arrived.
    pub at: Timestamp,
    /// The app's platform.
    pub platform: DeviceKind,
    /// The template of the link.
    pub template_id: TemplateId,
    /// The short-link id, for short links.
    pub shortlink_id: Option<String>,
    /// The link's media source.
    pub pid: Option<String>,
    /// The link's campaign.
    pub campaign: Option<String>,
}
