//! A recorded click: one visit of a link by a person.

use std::collections::BTreeMap;

use crate::clock::Timestamp;
use crate::ids::TemplateId;
use crate::random::{ALPHANUMERIC, random_string};
use crate::user_agent::DeviceKind;

/// Characters of a click id: 22 letters and digits ≈ 131 bits.
const CLICK_ID_LEN: usize = 22;

/// A new unguessable, URL-safe click id.
pub fn generate_click_id() -> String {
    random_string(CLICK_ID_LEN, ALPHANUMERIC)
}

/// A click as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    /// Its id (clicks on missing links get one too, but are never attributed).
    pub click_id: String,
    /// When it happened.
    pub at: Timestamp,
    /// The template of the link.
    pub template_id: TemplateId,
    /// The short-link id, for short links.
    pub shortlink_id: Option<String>,
    /// The data that routed it: stored data with the click's query over it.
    pub data: BTreeMap<String, String>,
    /// The device kind.
    pub device: DeviceKind,
    /// The OS version, when the user agent tells it.
    pub os_version: Option<String>,
    /// The device model, when the user agent tells it.
    pub device_model: Option<String>,
    /// The `referer` header.
    pub referer: Option<String>,
    /// `advertising_id`/`gaid` (Android) or `idfa` (iOS) from the URL.
    pub advertising_id: Option<String>,
    /// The client IP as a keyed hash.
    pub ip_hash: Option<String>,
    /// True for a click on an unknown, expired or deleted short link.
    pub expired: bool,
}

/// The advertising id a click's data carries for its device: `advertising_id`
/// or `gaid` on Android, `idfa` on iOS.
pub fn advertising_id(data: &BTreeMap<String, String>, device: DeviceKind) -> Option<String> {
    let keys: &[&str] = match device {
        DeviceKind::Android => &["advertising_id", "gaid"],
        DeviceKind::Ios => &["idfa"],
        DeviceKind::Desktop => &[],
    };
    keys.iter()
        .filter_map(|k| data.get(*k))
        .find(|v| !v.is_empty() && v.len() <= 100)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_ids_are_22_alphanumerics_and_differ() {
        let a = generate_click_id();
        assert_eq!(a.len(), 22);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, generate_click_id());
    }

    #[test]
    fn the_advertising_id_depends_on_the_platform() {
        let data: BTreeMap<String, String> = [("gaid", "g-1"), ("idfa", "i-1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            advertising_id(&data, DeviceKind::Android).as_deref(),
            Some("g-1")
        );
        assert_eq!(
            advertising_id(&data, DeviceKind::Ios).as_deref(),
            Some("i-1")
        );
        assert_eq!(advertising_id(&data, DeviceKind::Desktop), None);
    }
}
