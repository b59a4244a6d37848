//! Rules that keep the redirect host from becoming an open redirector or a
//! script injector.
//!
//! A web redirect (`af_r`, `af_ios_url`, `af_android_url`, `af_web_dp`)
//! must be an `http(s)` URL without user info. Stored short-link data came
//! through the authenticated API and is trusted; anything from a URL that
//! anyone can write (a long link, or the query of a click) must also point
//! at an allowed host. A deep link (`af_dp`) must use the template's own
//! scheme, and never a scheme that runs code or reads local data.

use url::Url;

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Stored short-link data, written through the authenticated API.
    Stored,
    /// A URL's query string: anyone could have written it.
    Public,
}

/// Hosts that every template may redirect to.
pub const STORE_HOSTS: &[&str] = &["apps.apple.com", "play.google.com"];

/// Schemes a deep link may never use.
const FORBIDDEN_DEEP_LINK_SCHEMES: &[&str] =
    &["javascript", "data", "vbscript", "file", "blob", "about"];

/// The hosts a public value may redirect to.
#[derive(Debug, Clone, Copy)]
pub struct Allowlist<'a> {
    /// The template's `allowed_redirect_domains` (their subdomains too).
    pub allowed_domains: &'a [String],
    /// The template's own hosts: its domain and brand domains (with ports).
    pub own_hosts: &'a [String],
}

/// `value` as a safe web redirect: the canonical URL, or `None` when it
/// must be ignored.
pub fn web_redirect(value: &str, trust: Trust, allowlist: Allowlist<'_>) -> Option<String> {
    let url = Url::parse(value).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    if trust == Trust::Public && !host_allowed(&host, url.port(), allowlist) {
        return None;
    }
    // The serialization percent-encodes what a header may not hold.
    Some(url.into())
}

fn host_allowed(host: &str, port: Option<u16>, allowlist: Allowlist<'_>) -> bool {
    let authority = match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    STORE_HOSTS.contains(&host)
        || allowlist
            .own_hosts
            .iter()
            .any(|own| *own == authority || *own == host)
        || allowlist.allowed_domains.iter().any(|d| {
            host == d
                || host
                    .strip_suffix(d.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
}

/// A deep link split into its scheme and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepLink {
    /// The scheme, lower-cased: `feedme`.
    pub scheme: String,
    /// What follows `scheme://` (or `scheme:`): `offers/bananas?x=1`.
    pub rest: String,
}

impl DeepLink {
    /// The deep link as a URL, safe to place in a header or an attribute:
    /// bytes outside printable ASCII, spaces, quotes and angle brackets are
    /// percent-encoded.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, encode_unsafe(&self.rest))
    }
}

/// `value` as an allowed deep link for a template with `uri_scheme`.
pub fn deep_link(value: &str, uri_scheme: Option<&str>) -> Option<DeepLink> {
    let (scheme, rest) = value.split_once(':')?;
    let well_formed = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let scheme = scheme.to_ascii_lowercase();
    if !well_formed || FORBIDDEN_DEEP_LINK_SCHEMES.contains(&scheme.as_str()) {
        return None;
    }
    if uri_scheme.is_some_and(|own| !own.eq_ignore_ascii_case(&scheme)) {
        return None;
    }
    if value.chars().any(char::is_control) {
        return None;
    }
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(DeepLink {
        scheme,
        rest: rest.to_owned(),
    })
}

/// Percent-encodes every byte that is not printable ASCII, and the
/// characters that end attributes or headers.
pub fn encode_unsafe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x21..0x7f).contains(&byte)
            && !matches!(byte, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\')
        {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowlist<'a>(allowed: &'a [String], own: &'a [String]) -> Allowlist<'a> {
        Allowlist {
            allowed_domains: allowed,
            own_hosts: own,
        }
    }

    #[test]
    fn public_redirects_must_point_at_an_allowed_host() {
        let allowed = vec!["feedme.example".to_owned()];
        let own = vec![
            "feedme.links.test".to_owned(),
            "go.feedme.example:8443".to_owned(),
        ];
        let list = allowlist(&allowed, &own);
        for ok in [
            "https://feedme.example/offers",
            "https://shop.feedme.example/x",
            "HTTPS://FEEDME.EXAMPLE/",
            "https://apps.apple.com/app/id1",
            "https://play.google.com/store/apps/details?id=x",
            "http://feedme.links.test/H5hv",
            "https://go.feedme.example:8443/x",
        ] {
            assert!(web_redirect(ok, Trust::Public, list).is_some(), "{ok}");
        }
        for bad in [
            "https://evil.example/",
            "https://feedme.example.evil.example/",
            "https://evilfeedme.example/",
            "https://grocer.test@evil.example/",
            "https://feedme.example@evil.example/",
            "https://user:pw@feedme.example/",
            "//evil.example/",
            "/relative",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://feedme.example/",
        ] {
            assert_eq!(web_redirect(bad, Trust::Public, list), None, "{bad}");
        }
    }

    #[test]
    fn stored_redirects_may_go_anywhere_on_http_or_https_only() {
        let list = allowlist(&[], &[]);
        assert_eq!(
            web_redirect("https://anywhere.example/a", Trust::Stored, list).as_deref(),
            Some("https://anywhere.example/a")
        );
        for bad in [
            "javascript:alert(1)",
            "jAvAsCrIpT:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc/passwd",
            "https://a@anywhere.example/",
        ] {
            assert_eq!(web_redirect(bad, Trust::Stored, list), None, "{bad}");
        }
    }

    #[test]
    fn newlines_never_reach_a_location_header() {
        let list = allowlist(&[], &[]);
        let url = web_redirect(
            "https://a.example/x%0d%0aSet-Cookie:%20a=b",
            Trust::Stored,
            list,
        )
        .unwrap();
        assert!(!url.contains('\r') && !url.contains('\n'));
        let url = web_redirect(
            "https://a.example/x\r\nSet-Cookie: a=b",
            Trust::Stored,
            list,
        )
        .unwrap();
        assert!(!url.contains('\r') && !url.contains('\n') && !url.contains(' '));
    }

    #[test]
    fn deep_links_must_use_the_templates_scheme_and_never_a_dangerous_one() {
        let dl = deep_link("feedme://offers/bananas?x=1", Some("feedme")).unwrap();
        assert_eq!(
            (dl.scheme.as_str(), dl.rest.as_str()),
            ("feedme", "offers/bananas?x=1")
        );
        assert!(deep_link("FeedMe://offers", Some("feedme")).is_some());
        assert!(deep_link("other://offers", Some("feedme")).is_none());
        assert!(deep_link("other://offers", None).is_some());
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "file:///x",
            "blob:x",
            "about:blank",
            "no-colon",
            "1abc://x",
            "feedme://a\nb",
        ] {
            assert!(deep_link(bad, None).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_deep_link_url_encodes_what_could_break_out_of_an_attribute() {
        let dl = deep_link("feedme://x\"><script>alert(1)</script>", None).unwrap();
        assert_eq!(
            dl.url(),
            "feedme://x%22%3E%3Cscript%3Ealert(1)%3C/script%3E"
        );
    }
}
