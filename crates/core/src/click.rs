//! A recorded click: one visit of a link by a person.

use std::collections::BTreeMap;

use crate::clock::Timestamp;
use crate::ids::TemplateId;
use crate::random::{ALPHANUMERIC, random_string};
use crate::user_agent::DeviceKind;

/// Characters of a click id's time prefix: base 62 milliseconds, enough
/// until the year 430,000.
const TIME_LEN: usize = 9;
/// Random characters after it: 16 letters and digits ≈ 95 bits.
const RANDOM_LEN: usize = 16;
/// The digits of the time prefix, in ASCII order, so that ids sort by time.
const SORTED_DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new unguessable, URL-safe click id for a click at `at`.
///
/// It starts with the time, so that ids made one after the other sort
/// together: stores index clicks by id, and an index whose new keys land
/// at its end costs a fraction of one whose keys land anywhere. The 16
/// random characters after it keep it unguessable.
pub fn generate_click_id(at: Timestamp) -> String {
    let mut prefix = [b'0'; TIME_LEN];
    let mut millis = at.as_millis().max(0) as u64;
    for digit in prefix.iter_mut().rev() {
        *digit = SORTED_DIGITS[(millis % 62) as usize];
        millis /= 62;
    }
    let mut id = String::with_capacity(TIME_LEN + RANDOM_LEN);
    id.extend(prefix.iter().map(|&b| b as char));
    id.push_str(&random_string(RANDOM_LEN, ALPHANUMERIC));
    id
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
    fn click_ids_are_25_alphanumerics_and_differ() {
        let at = Timestamp::from_millis(1_795_000_000_000);
        let a = generate_click_id(at);
        assert_eq!(a.len(), 25);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, generate_click_id(at));
    }

    #[test]
    fn click_ids_sort_by_their_time() {
        let times = [
            0,
            61,
            62,
            3_843,
            1_795_000_000_000,
            1_795_000_000_001,
            9_000_000_000_000,
        ];
        let ids: Vec<String> = times
            .iter()
            .map(|&t| generate_click_id(Timestamp::from_millis(t)))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(ids[0].starts_with("000000000"));
        assert!(ids[2].starts_with("000000010"));
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
