//! Links the app is launched or opened through, split the way the server
//! splits them.
//!
//! A long link (`https://feedme.links.example/H5hv?pid=sms&c=bananas`) and
//! a URI-scheme link (`feedme://mainactivity?deep_link_value=apples`) carry
//! all their data in the URL, so the SDK reads them locally and answers at
//! once. A short link (`https://feedme.links.example/H5hv/bananas7`) names
//! data kept by the server, which only the server can resolve.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use url::Url;

use crate::deep_link::DeepLink;

/// URLs longer than this are refused: the server takes a `deep_link_url` of
/// at most 4096 characters and would refuse the whole launch (conversion
/// data included) over a longer one.
const MAX_URL_BYTES: usize = 4096;

/// The two kinds of link read locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalLinkKind {
    /// An http(s) link whose path is one segment, the template id:
    /// `https://host/{tid}?k=v` or `https://host/{tid}/?k=v`.
    Long {
        /// The template id the path names.
        template_id: String,
    },
    /// A link with the app's own scheme: `feedme://mainactivity?k=v`.
    UriScheme,
}

/// A link whose data is all in its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLink {
    /// The URL as given.
    pub url: String,
    /// Long link or URI-scheme link.
    pub kind: LocalLinkKind,
    /// The scheme, lower-case: `https`, `feedme`.
    pub scheme: String,
    /// The host; for a URI-scheme link, what follows `scheme://` up to the
    /// path (`mainactivity`), empty when there is none.
    pub host: String,
    /// The path, percent-encoded as in the URL (`/H5hv`, or empty for
    /// `feedme://mainactivity?...`).
    pub path: String,
    /// The query parameters, decoded; a repeated key keeps its last value.
    pub params: BTreeMap<String, String>,
}

impl LocalLink {
    /// The link's values, as the server builds them for a direct deep link:
    /// the parameters, then `link`, `scheme`, `host` and `path` over them,
    /// then `media_source` and `campaign` from `pid` and `c` when present.
    fn with_link_fields(&self) -> BTreeMap<String, String> {
        let mut out = self.params.clone();
        out.insert("link".into(), self.url.clone());
        out.insert("scheme".into(), self.scheme.clone());
        out.insert("host".into(), self.host.clone());
        out.insert("path".into(), self.path.clone());
        if let Some(pid) = self.params.get("pid") {
            out.insert("media_source".into(), pid.clone());
        }
        if let Some(c) = self.params.get("c") {
            out.insert("campaign".into(), c.clone());
        }
        out
    }

    /// The map `on_app_open_attribution` receives for this link.
    pub fn app_open_attribution(&self) -> BTreeMap<String, String> {
        self.with_link_fields()
    }

    /// The direct deep link `on_deep_linking` receives for this link: the
    /// same values plus `is_deferred: false`.
    pub fn deep_link(&self) -> DeepLink {
        let mut values: Map<String, Value> = self
            .with_link_fields()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        values.insert("is_deferred".into(), json!(false));
        DeepLink::new(values)
    }
}

/// A short link: its data is kept by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLink {
    /// The URL as given.
    pub url: String,
    /// The template id: the path's first segment.
    pub template_id: String,
    /// The short-link id: the path's second segment.
    pub shortlink_id: String,
}

/// What a URL is to the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Read locally.
    Local(LocalLink),
    /// Resolved by the server.
    Short(ShortLink),
    /// Not a link the SDK understands; the reason, for the app.
    Unrecognized(String),
}

/// The path segments of an http(s) link: `[tid]`, `[tid, ""]` (a trailing
/// slash) or `[tid, sid]`, as the server reads them.
enum PathIds<'a> {
    Template(&'a str),
    Short(&'a str, &'a str),
}

fn path_ids(path: &str) -> Option<PathIds<'_>> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [tid] | [tid, ""] if !tid.is_empty() => Some(PathIds::Template(tid)),
        [tid, sid] if !tid.is_empty() => Some(PathIds::Short(tid, sid)),
        _ => None,
    }
}

/// Sorts `url` into a local link, a short link, or something else.
pub(crate) fn classify(text: &str) -> Target {
    if text.len() > MAX_URL_BYTES {
        return Target::Unrecognized(format!("the URL is longer than {MAX_URL_BYTES} bytes"));
    }
    let Ok(url) = Url::parse(text.trim()) else {
        return Target::Unrecognized("not a URL".into());
    };
    let kind = if matches!(url.scheme(), "http" | "https") {
        match path_ids(url.path()) {
            Some(PathIds::Template(tid)) => LocalLinkKind::Long {
                template_id: tid.to_owned(),
            },
            Some(PathIds::Short(tid, sid)) => {
                return Target::Short(ShortLink {
                    url: text.to_owned(),
                    template_id: tid.to_owned(),
                    shortlink_id: sid.to_owned(),
                });
            }
            None => {
                return Target::Unrecognized(
                    "not a Waylink link: the path is neither /{template} nor /{template}/{id}"
                        .into(),
                );
            }
        }
    } else {
        LocalLinkKind::UriScheme
    };
    Target::Local(LocalLink {
        url: text.to_owned(),
        kind,
        scheme: url.scheme().to_owned(),
        host: url.host_str().unwrap_or_default().to_owned(),
        path: url.path().to_owned(),
        params: url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    })
}

/// Reads a long link or a URI-scheme link locally; `None` for a short link
/// (which needs the server), an http(s) link of another shape, or text that
/// is not a URL.
pub fn parse_link_locally(url: &str) -> Option<LocalLink> {
    match classify(url) {
        Target::Local(link) => Some(link),
        Target::Short(_) | Target::Unrecognized(_) => None,
    }
}

/// Reads a short link (`https://host/{tid}/{sid}`); `None` for anything
/// else.
pub fn parse_short_link(url: &str) -> Option<ShortLink> {
    match classify(url) {
        Target::Short(link) => Some(link),
        Target::Local(_) | Target::Unrecognized(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_after_the_template_is_still_a_long_link() {
        let link = parse_link_locally("https://h.example/H5hv/?pid=sms").expect("long");
        assert_eq!(
            link.kind,
            LocalLinkKind::Long {
                template_id: "H5hv".into()
            }
        );
        assert_eq!(link.path, "/H5hv/");
    }

    #[test]
    fn root_and_deep_paths_are_not_waylink_links() {
        for url in ["https://h.example/", "https://h.example/a/b/c"] {
            assert!(matches!(classify(url), Target::Unrecognized(_)), "{url}");
        }
    }

    #[test]
    fn a_two_segment_path_is_a_short_link() {
        let link = parse_short_link("https://h.example/H5hv/bananas7?x=1").expect("short");
        assert_eq!(link.template_id, "H5hv");
        assert_eq!(link.shortlink_id, "bananas7");
        assert_eq!(parse_link_locally("https://h.example/H5hv/bananas7"), None);
    }

    #[test]
    fn a_repeated_parameter_keeps_its_last_value() {
        let link = parse_link_locally("feedme://x?a=1&a=2").expect("scheme");
        assert_eq!(link.params.get("a").map(String::as_str), Some("2"));
    }
}
