//! Attribution of an install to a click: the candidates, the three methods
//! in order, the windows, and the outcome.
//!
//! Storage fetches a bounded set of clicks through its indexes (the click
//! named by the install referrer, the latest clicks with the install's
//! advertising id, the latest clicks from its IP hash); this module decides
//! which of them, if any, gets the credit.

use std::collections::BTreeMap;

use crate::click::Click;
use crate::clock::{DAY_MS, HOUR_MS, Timestamp};
use crate::ids::TemplateId;
use crate::user_agent::DeviceKind;

/// How an install was matched to its click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    /// The install referrer named the click id.
    Referrer,
    /// The advertising id of the device equals the click's.
    IdMatching,
    /// Same IP, platform, OS version (and model where both know it).
    Probabilistic,
}

impl MatchType {
    /// The name used in payloads and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Referrer => "referrer",
            MatchType::IdMatching => "id_matching",
            MatchType::Probabilistic => "probabilistic",
        }
    }

    /// Reads a name written by [`MatchType::as_str`].
    pub fn parse(text: &str) -> Option<MatchType> {
        match text {
            "referrer" => Some(MatchType::Referrer),
            "id_matching" => Some(MatchType::IdMatching),
            "probabilistic" => Some(MatchType::Probabilistic),
            _ => None,
        }
    }
}

/// The longest click lookback window: 30 days. Clicks older than this can
/// never be attributed.
pub const MAX_LOOKBACK_MS: i64 = 30 * DAY_MS;
/// The probabilistic method never looks back further than 24 hours.
pub const PROBABILISTIC_CAP_MS: i64 = 24 * HOUR_MS;

/// A click lookback window, as the link set it (after clamping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookback {
    /// Its length.
    pub millis: i64,
    /// How it is written in conversion data: `"7d"`, `"12h"`.
    pub text: String,
}

/// The window of a link's `af_click_lookback`: `{n}d` with n from 1 to 30
/// or `{n}h` with n from 1 to 23, clamped into range; 7 days when absent
/// or unreadable.
pub fn click_lookback(data: &BTreeMap<String, String>) -> Lookback {
    let parsed = data.get("af_click_lookback").and_then(|v| {
        let v = v.trim();
        // The unit is the last character, which may be any Unicode scalar:
        // split on a character boundary, never a byte count.
        let unit = v.chars().next_back()?;
        let n: i64 = v[..v.len() - unit.len_utf8()].parse().ok()?;
        match unit {
            'd' | 'D' => Some(('d', n.clamp(1, 30))),
            'h' | 'H' => Some(('h', n.clamp(1, 23))),
            _ => None,
        }
    });
    let (unit, n) = match parsed {
        Some((unit, n)) => (unit, n),
        None => ('d', 7),
    };
    let millis = if unit == 'd' { n * DAY_MS } else { n * HOUR_MS };
    Lookback {
        millis,
        text: format!("{n}{unit}"),
    }
}

/// What an install reports about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSignals {
    /// When the install launch arrived.
    pub at: Timestamp,
    /// The app's platform.
    pub platform: DeviceKind,
    /// The click id the install referrer names, if any.
    pub referrer_click_id: Option<String>,
    /// The device's advertising id.
    pub advertising_id: Option<String>,
    /// The keyed hash of the launch's client IP.
    pub ip_hash: Option<String>,
    /// The OS version the SDK reports.
    pub os_version: Option<String>,
    /// The device model the SDK reports.
    pub device_model: Option<String>,
}

/// The click id in an install referrer such as
/// `waylink_click_id=abc&pid=sms&c=bananas`.
pub fn referrer_click_id(install_referrer: &str) -> Option<String> {
    form_urlencoded::parse(install_referrer.as_bytes())
        .find(|(k, _)| k == "waylink_click_id")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The clicks storage found for an install, one list per method.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// The click the install referrer names.
    pub referrer: Vec<Click>,
    /// Clicks with the install's advertising id.
    pub advertising_id: Vec<Click>,
    /// Clicks from the install's IP hash.
    pub ip: Vec<Click>,
}

/// The outcome of an install, fixed once decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// No click matched.
    Organic,
    /// A click got the credit.
    NonOrganic {
        /// The click.
        click: Box<Click>,
        /// How it was matched.
        match_type: MatchType,
        /// The lookback window that applied.
        lookback: Lookback,
    },
}

/// A method: its name, the clicks storage found for it, and its test.
type Method<'a> = (MatchType, &'a Vec<Click>, &'a dyn Fn(&Click) -> bool);

/// Decides an install: the first method that finds a candidate wins, and
/// within a method the latest click (ties: the greatest click id, so that
/// the outcome never depends on the order storage returned them in).
pub fn attribute(
    install: &InstallSignals,
    app_templates: &[TemplateId],
    found: &Candidates,
) -> Attribution {
    let eligible = |c: &Click| -> Option<Lookback> {
        if c.expired
            || c.device != install.platform
            || !app_templates.contains(&c.template_id)
            || c.at > install.at
        {
            return None;
        }
        let lookback = click_lookback(&c.data);
        (install.at.as_millis() - c.at.as_millis() <= lookback.millis).then_some(lookback)
    };
    let by_referrer = |c: &Click| install.referrer_click_id.as_deref() == Some(c.click_id.as_str());
    // A device that limits ad tracking reports a zeroed id, shared by
    // millions: it identifies nothing.
    let by_advertising_id = |c: &Click| {
        install
            .advertising_id
            .as_deref()
            .is_some_and(|id| id.bytes().any(|b| b != b'0' && b != b'-'))
            && c.advertising_id == install.advertising_id
    };
    let by_ip = |c: &Click| probabilistic_match(install, c);
    let methods: [Method<'_>; 3] = [
        (MatchType::Referrer, &found.referrer, &by_referrer),
        (
            MatchType::IdMatching,
            &found.advertising_id,
            &by_advertising_id,
        ),
        (MatchType::Probabilistic, &found.ip, &by_ip),
    ];
    for (match_type, clicks, matches) in methods {
        let best = clicks
            .iter()
            .filter(|c| matches(c))
            .filter_map(|c| eligible(c).map(|lookback| (c, lookback)))
            .max_by(|(a, _), (b, _)| a.at.cmp(&b.at).then_with(|| a.click_id.cmp(&b.click_id)));
        if let Some((click, lookback)) = best {
            return Attribution::NonOrganic {
                click: Box::new(click.clone()),
                match_type,
                lookback,
            };
        }
    }
    Attribution::Organic
}

fn probabilistic_match(install: &InstallSignals, c: &Click) -> bool {
    let same_ip = install.ip_hash.is_some() && c.ip_hash == install.ip_hash;
    let same_os = install.os_version.is_some() && c.os_version == install.os_version;
    // A user agent names a model more loosely than the SDK does ("iPhone"
    // for "iPhone16,1", "SAMSUNG SM-S911B" for "SM-S911B"): one containing
    // the other is the same model.
    let same_model = match (&install.device_model, &c.device_model) {
        (Some(a), Some(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            a.contains(&b) || b.contains(&a)
        }
        _ => true,
    };
    let cap = click_lookback(&c.data).millis.min(PROBABILISTIC_CAP_MS);
    same_ip && same_os && same_model && install.at.as_millis() - c.at.as_millis() <= cap
}
