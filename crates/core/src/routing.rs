//! Where a click goes: the decision table of the spec, per platform.
//!
//! The caller has already told crawlers from people (see
//! [`crate::user_agent`]); this module takes a person's click on a link of
//! a template and answers a [`Destination`]. Every override is checked by
//! [`crate::redirect_safety`] before it is used; an override that fails the
//! check is ignored and the next rule applies.

use std::collections::BTreeMap;

use crate::link_data::LinkData;
use crate::redirect_safety::{Allowlist, DeepLink, Trust, deep_link, web_redirect};
use crate::template::Template;
use crate::user_agent::DeviceKind;

/// The link a click is on.
#[derive(Debug, Clone, Copy)]
pub enum LinkSource<'a> {
    /// A live short link and its stored (trusted) data.
    Short(&'a LinkData),
    /// A long link: all its data is in the URL.
    Long,
    /// A short link that is unknown, expired or deleted: no data.
    Missing,
}

/// A person's click, as the decision needs it.
#[derive(Debug, Clone, Copy)]
pub struct Click<'a> {
    /// The template of the link.
    pub template: &'a Template,
    /// The device the click came from.
    pub device: DeviceKind,
    /// The link clicked.
    pub link: LinkSource<'a>,
    /// The click's query string, merged over stored data for this click.
    pub query: &'a [(String, String)],
    /// The click id, for clicks that are recorded as attributable.
    pub click_id: Option<&'a str>,
    /// The template's own hosts (its domain and brand domains).
    pub own_hosts: &'a [String],
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `302` to this URL.
    Redirect(String),
    /// `200` page that tries the app through `deep_link`, then goes to
    /// `fallback`.
    OpenAppPage {
        /// The app's deep link.
        deep_link: String,
        /// Where to go when the app does not take over.
        fallback: String,
    },
    /// `200` page with the link's title and QR code, to open it on a phone.
    DesktopPage,
}

impl<'a> Click<'a> {
    /// The value of `key` for this click and how far it can be trusted:
    /// the query wins over stored data.
    /// A link that is gone routes with an empty parameter map, its query
    /// included (the query is still recorded with the click).
    pub fn param(&self, key: &str) -> Option<(&'a str, Trust)> {
        if matches!(self.link, LinkSource::Missing) {
            return None;
        }
        if let Some((_, v)) = self.query.iter().rev().find(|(k, _)| k == key) {
            return Some((v.as_str(), Trust::Public));
        }
        match self.link {
            LinkSource::Short(data) => data.get(key).map(|v| (v, Trust::Stored)),
            LinkSource::Long | LinkSource::Missing => None,
        }
    }

    /// The data this click routes with: stored data with the query over it.
    pub fn merged_data(&self) -> BTreeMap<String, String> {
        let mut merged = match self.link {
            LinkSource::Short(data) => data.as_map().clone(),
            LinkSource::Long | LinkSource::Missing => BTreeMap::new(),
        };
        for (k, v) in self.query {
            merged.insert(k.clone(), v.clone());
        }
        merged
    }

    fn allowlist(&self) -> Allowlist<'a> {
        Allowlist {
            allowed_domains: &self.template.allowed_redirect_domains,
            own_hosts: self.own_hosts,
        }
    }

    fn web(&self, key: &str) -> Option<String> {
        let (value, trust) = self.param(key)?;
        web_redirect(value, trust, self.allowlist())
    }

    fn forced_deep_link(&self) -> Option<DeepLink> {
        let (force, _) = self.param("af_force_deeplink")?;
        if !force.eq_ignore_ascii_case("true") {
            return None;
        }
        let (value, trust) = self.param("af_dp")?;
        let dl = deep_link(value, self.template.uri_scheme.as_deref())?;
        // A web URL as a deep link is opened by the browser like any other
        // redirect: it must pass the web-redirect rule, or the open-app page
        // becomes an open redirector.
        if matches!(dl.scheme.as_str(), "http" | "https")
            && web_redirect(value, trust, self.allowlist()).is_none()
        {
            return None;
        }
        Some(dl)
    }

    /// The platform the table is read for: a template without an app for
    /// the device's platform treats it as desktop.
    pub fn platform(&self) -> DeviceKind {
        match self.device {
            DeviceKind::Android if self.template.android_app_id.is_some() => DeviceKind::Android,
            DeviceKind::Ios if self.template.ios_app_id.is_some() => DeviceKind::Ios,
            _ => DeviceKind::Desktop,
        }
    }
}

/// Applies the decision table to a person's click.
pub fn decide(click: &Click<'_>) -> Destination {
    if let Some(url) = click.web("af_r") {
        return Destination::Redirect(url);
    }
    match click.platform() {
        DeviceKind::Android => android(click),
        DeviceKind::Ios => ios(click),
        DeviceKind::Desktop => desktop(click),
    }
}

fn android(click: &Click<'_>) -> Destination {
    let package = click.template.android_app_id.as_deref().unwrap_or_default();
    let store = play_store_url(package, click);
    if let Some(dl) = click.forced_deep_link() {
        let fallback: String = form_urlencoded::byte_serialize(store.as_bytes()).collect();
        let rest = crate::redirect_safety::encode_unsafe(&dl.rest).replace('#', "%23");
        return Destination::Redirect(format!(
            "intent://{rest}#Intent;scheme={};package={package};S.browser_fallback_url={fallback};end",
            dl.scheme
        ));
    }
    if let Some(url) = click.web("af_android_url") {
        return Destination::Redirect(with_click_id(&url, click.click_id));
    }
    Destination::Redirect(store)
}

/// The Play Store URL with the install referrer
/// `waylink_click_id={id}&pid={pid}&c={c}` (each only where present).
pub fn play_store_url(package: &str, click: &Click<'_>) -> String {
    let mut referrer = form_urlencoded::Serializer::new(String::new());
    if let Some(id) = click.click_id {
        referrer.append_pair("waylink_click_id", id);
    }
    for key in ["pid", "c"] {
        if let Some((value, _)) = click.param(key) {
            referrer.append_pair(key, value);
        }
    }
    let referrer = referrer.finish();
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.append_pair("id", package);
    if !referrer.is_empty() {
        url.append_pair("referrer", &referrer);
    }
    format!(
        "https://play.google.com/store/apps/details?{}",
        url.finish()
    )
}

fn with_click_id(url: &str, click_id: Option<&str>) -> String {
    let Some(id) = click_id else {
        return url.to_owned();
    };
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().append_pair("waylink_click_id", id);
            parsed.into()
        }
        Err(_) => url.to_owned(),
    }
}

fn ios(click: &Click<'_>) -> Destination {
    let destination = click.web("af_ios_url").unwrap_or_else(|| {
        let app = click.template.ios_app_id.as_deref().unwrap_or_default();
        format!("https://apps.apple.com/app/{app}")
    });
    if let Some(dl) = click.forced_deep_link() {
        return Destination::OpenAppPage {
            deep_link: dl.url(),
            fallback: destination,
        };
    }
    Destination::Redirect(destination)
}

fn desktop(click: &Click<'_>) -> Destination {
    if let Some(url) = click.web("af_web_dp") {
        return Destination::Redirect(url);
    }
    // The template keeps `desktop_url` as written; the redirect takes its
    // serialization, which holds no whitespace or CR/LF.
    if let Some(url) = click
        .template
        .desktop_url
        .as_deref()
        .and_then(|url| web_redirect(url, Trust::Stored, click.allowlist()))
    {
        return Destination::Redirect(url);
    }
    Destination::DesktopPage
}

/// The social preview of a link: `af_og_*` of the click's data, else the
/// template's defaults. Values are raw text; the page escapes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// `og:title`.
    pub title: String,
    /// `og:description`, if any.
    pub description: Option<String>,
    /// `og:image`: only an http(s) URL.
    pub image: Option<String>,
}

/// The title shown when neither the link nor the template has one.
pub const DEFAULT_TITLE: &str = "Open in the app";

/// Builds the preview of a click's link.
pub fn preview(click: &Click<'_>) -> Preview {
    let pick = |key: &str, default: &Option<String>| {
        click
            .param(key)
            .map(|(v, _)| v.to_owned())
            .or_else(|| default.clone())
    };
    let image = pick("af_og_image", &click.template.og_image)
        .and_then(|u| web_redirect(&u, Trust::Stored, click.allowlist()));
    Preview {
        title: pick("af_og_title", &click.template.og_title)
            .unwrap_or_else(|| DEFAULT_TITLE.to_owned()),
        description: pick("af_og_description", &click.template.og_description),
        image,
    }
}
