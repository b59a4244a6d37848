//! Templates: a link configuration with its id, domain, apps and fallbacks.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::DomainError;
use crate::ids::TemplateId;
use crate::patch::{from_json_body, merge_patch};

/// A validated template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// Its id, unique across the server.
    pub id: TemplateId,
    /// The DNS label of its domain `{subdomain}.{base_domain}`.
    pub subdomain: String,
    /// The Android app it opens (an app of the same account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android_app_id: Option<String>,
    /// The iOS app it opens (an app of the same account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ios_app_id: Option<String>,
    /// The app's URI scheme, e.g. `feedme`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_scheme: Option<String>,
    /// Where desktop browsers go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_url: Option<String>,
    /// Extra hosts that serve the template (lower-case, optional port).
    pub brand_domains: Vec<String>,
    /// Hosts a long link may redirect to (and their subdomains).
    pub allowed_redirect_domains: Vec<String>,
    /// Default social preview title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub og_title: Option<String>,
    /// Default social preview description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub og_description: Option<String>,
    /// Default social preview image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub og_image: Option<String>,
}

/// A template as a client writes it, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDraft {
    id: Option<String>,
    subdomain: Option<String>,
    android_app_id: Option<String>,
    ios_app_id: Option<String>,
    uri_scheme: Option<String>,
    desktop_url: Option<String>,
    brand_domains: Option<Vec<String>>,
    allowed_redirect_domains: Option<Vec<String>>,
    og_title: Option<String>,
    og_description: Option<String>,
    og_image: Option<String>,
}

/// Most brand domains one template may have.
pub const MAX_BRAND_DOMAINS: usize = 20;
/// Most allowed redirect domains one template may have.
pub const MAX_ALLOWED_REDIRECT_DOMAINS: usize = 100;
/// URI schemes that can never be an app's scheme.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "vbscript",
    "file",
    "blob",
    "about",
    "http",
    "https",
];

impl Template {
    /// Validates the body of `POST /api/v1/templates`; a missing id is
    /// generated.
    pub fn from_create_body(body: Value) -> Result<Template, DomainError> {
        from_json_body::<TemplateDraft>(body)?.validate()
    }

    /// This template with a merge patch applied; the id is fixed.
    pub fn patched(&self, patch: &Value) -> Result<Template, DomainError> {
        merge_patch::<_, TemplateDraft>(self, patch, &["id"])?.validate()
    }
}

impl TemplateDraft {
    fn validate(self) -> Result<Template, DomainError> {
        let id = match self.id {
            Some(id) => TemplateId::parse(&id)?,
            None => TemplateId::generate(),
        };
        let subdomain = self.subdomain.ok_or_else(|| {
            DomainError::invalid("subdomain", "subdomain is required, such as \"feedme\"")
        })?;
        let subdomain = dns_label(&subdomain).ok_or_else(|| {
            DomainError::invalid(
                "subdomain",
                format!("subdomain must be a DNS label: 1 to 63 letters, digits or '-', not starting or ending with '-'; {subdomain:?} is not"),
            )
        })?;
        if self.android_app_id.is_none() && self.ios_app_id.is_none() {
            return Err(DomainError::invalid(
                "android_app_id",
                "a template needs at least one app: give android_app_id, ios_app_id or both",
            ));
        }
        let uri_scheme = self.uri_scheme.map(|s| uri_scheme(&s)).transpose()?;
        let desktop_url = self
            .desktop_url
            .map(|u| web_url("desktop_url", &u))
            .transpose()?;
        let og_image = self.og_image.map(|u| web_url("og_image", &u)).transpose()?;
        let og_title = self
            .og_title
            .map(|t| bounded_text("og_title", t, 300))
            .transpose()?;
        let og_description = self
            .og_description
            .map(|t| bounded_text("og_description", t, 1000))
            .transpose()?;
        let brand_domains = host_list(
            "brand_domains",
            self.brand_domains.unwrap_or_default(),
            MAX_BRAND_DOMAINS,
            true,
        )?;
        let allowed_redirect_domains = host_list(
            "allowed_redirect_domains",
            self.allowed_redirect_domains.unwrap_or_default(),
            MAX_ALLOWED_REDIRECT_DOMAINS,
            false,
        )?;
        Ok(Template {
            id,
            subdomain,
            android_app_id: self.android_app_id,
            ios_app_id: self.ios_app_id,
            uri_scheme,
            desktop_url,
            brand_domains,
            allowed_redirect_domains,
            og_title,
            og_description,
            og_image,
        })
    }
}

/// A DNS label, lower-cased: 1 to 63 of `a-z 0-9 -`, no `-` at either end.
pub fn dns_label(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let ok = (1..=63).contains(&lower.len())
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !lower.starts_with('-')
        && !lower.ends_with('-');
    ok.then_some(lower)
}

/// A host name (lower-cased), with a `:port` when `allow_port`.
pub fn host_name(text: &str, allow_port: bool) -> Option<String> {
    parse_host(text, allow_port, 2)
}

/// A base domain: like [`host_name`] with an optional port, but a single
/// label (`localhost:8080`) is enough.
pub fn base_domain(text: &str) -> Option<String> {
    parse_host(text, true, 1)
}

fn parse_host(text: &str, allow_port: bool, min_labels: usize) -> Option<String> {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) if allow_port => (host, Some(port)),
        _ => (text, None),
    };
    // Digits only: `u16::from_str` would also take a sign ("+80").
    if let Some(port) = port
        && (!port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().map_or(true, |p| p == 0))
    {
        return None;
    }
    let labels: Option<Vec<String>> = host.split('.').map(dns_label).collect();
    let labels = labels?;
    if host.len() > 253 || labels.len() < min_labels {
        return None;
    }
    let mut out = labels.join(".");
    if let Some(port) = port {
        out.push(':');
        out.push_str(port);
    }
    Some(out)
}

fn host_list(
    field: &str,
    hosts: Vec<String>,
    max: usize,
    allow_port: bool,
) -> Result<Vec<String>, DomainError> {
    if hosts.len() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} takes at most {max} domains"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(hosts.len());
    for host in hosts {
        let normalized = host_name(&host, allow_port).ok_or_else(|| {
            DomainError::invalid(
                field,
                format!("{field} must hold domain names such as \"go.feedme.example\"; {host:?} is not one"),
            )
        })?;
        if !out.contains(&normalized) {
            out.push(normalized);
        }
    }
    Ok(out)
}

fn uri_scheme(text: &str) -> Result<String, DomainError> {
    let lower = text.to_ascii_lowercase();
    let well_formed = (1..=64).contains(&lower.len())
        && lower.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && lower.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
        });
    if !well_formed || FORBIDDEN_SCHEMES.contains(&lower.as_str()) {
        return Err(DomainError::invalid(
            "uri_scheme",
            format!(
                "uri_scheme must be an app's own scheme such as \"feedme\" (not http, https, javascript, data, file, ...); {text:?} is not accepted"
            ),
        ));
    }
    Ok(lower)
}

/// An absolute `http` or `https` URL with a host.
/// Stored in the parser's serialization, so that what is redirected to
/// later is exactly what was checked (no stray spaces or line breaks).
pub fn web_url(field: &str, text: &str) -> Result<String, DomainError> {
    let parsed = url::Url::parse(text).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
    });
    match parsed {
        Some(url) if text.len() <= 2048 => Ok(url.into()),
        _ => Err(DomainError::invalid(
            field,
            format!(
                "{field} must be an http or https URL of at most 2048 characters, such as \"https://feedme.example/\""
            ),
        )),
    }
}

fn bounded_text(field: &str, text: String, max: usize) -> Result<String, DomainError> {
    if text.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(body: Value) -> String {
        match Template::from_create_body(body) {
            Err(DomainError::Invalid { parameter, .. }) => parameter,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn only_a_subdomain_and_one_app_are_required_and_the_id_is_generated() {
        let t = Template::from_create_body(
            json!({"subdomain": "FeedMe", "android_app_id": "com.feedme.app"}),
        )
        .unwrap();
        assert_eq!(t.subdomain, "feedme");
        assert_eq!(t.id.as_str().len(), 4);
    }

    #[test]
    fn every_field_is_kept_and_normalised() {
        let t = Template::from_create_body(json!({
            "id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app",
            "ios_app_id": "id1234567890", "uri_scheme": "FeedMe",
            "desktop_url": "https://feedme.example/", "brand_domains": ["Go.FeedMe.example", "go.feedme.example"],
            "allowed_redirect_domains": ["feedme.example"], "og_title": "Bananas", "og_description": "Cheap", "og_image": "https://feedme.example/b.png"
        })).unwrap();
        assert_eq!(t.id.as_str(), "H5hv");
        assert_eq!(t.uri_scheme.as_deref(), Some("feedme"));
        assert_eq!(t.brand_domains, vec!["go.feedme.example"]);
    }

    #[test]
    fn bad_fields_are_refused_by_name() {
        assert_eq!(field_of(json!({"android_app_id": "a.b"})), "subdomain");
        assert_eq!(
            field_of(json!({"subdomain": "-x", "android_app_id": "a.b"})),
            "subdomain"
        );
        assert_eq!(
            field_of(json!({"subdomain": "a.b", "android_app_id": "a.b"})),
            "subdomain"
        );
        assert_eq!(field_of(json!({"subdomain": "feedme"})), "android_app_id");
        assert_eq!(
            field_of(json!({"id": "admin", "subdomain": "x", "android_app_id": "a.b"})),
            "id"
        );
        assert_eq!(
            field_of(json!({"id": "ab", "subdomain": "x", "android_app_id": "a.b"})),
            "id"
        );
        for scheme in [
            "javascript",
            "JavaScript",
            "data",
            "http",
            "1abc",
            "a b",
            "",
        ] {
            assert_eq!(
                field_of(json!({"subdomain": "x", "android_app_id": "a.b", "uri_scheme": scheme})),
                "uri_scheme"
            );
        }
        for url in [
            "javascript:alert(1)",
            "ftp://x.example/",
            "//evil.example",
            "not a url",
        ] {
            assert_eq!(
                field_of(json!({"subdomain": "x", "android_app_id": "a.b", "desktop_url": url})),
                "desktop_url"
            );
        }
        assert_eq!(
            field_of(json!({"subdomain": "x", "android_app_id": "a.b", "brand_domains": ["evil"]})),
            "brand_domains"
        );
        assert_eq!(
            field_of(
                json!({"subdomain": "x", "android_app_id": "a.b", "brand_domains": ["a b.example"]})
            ),
            "brand_domains"
        );
        assert_eq!(
            field_of(
                json!({"subdomain": "x", "android_app_id": "a.b", "allowed_redirect_domains": ["x.example:80"]})
            ),
            "allowed_redirect_domains"
        );
        assert_eq!(
            field_of(json!({"subdomain": "x", "android_app_id": "a.b", "wat": 1})),
            "body"
        );
    }

    #[test]
    fn brand_domains_may_carry_a_port_for_local_use() {
        assert_eq!(
            host_name("go.feedme.localhost:8080", true).as_deref(),
            Some("go.feedme.localhost:8080")
        );
        assert_eq!(host_name("go.feedme.localhost:0", true), None);
        assert_eq!(host_name("go.feedme.localhost:8080", false), None);
    }

    #[test]
    fn a_patch_keeps_the_id_and_revalidates() {
        let t = Template::from_create_body(json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "a.b", "desktop_url": "https://a.example/"})).unwrap();
        let p = t
            .patched(&json!({"subdomain": "fm", "desktop_url": null}))
            .unwrap();
        assert_eq!((p.subdomain.as_str(), p.desktop_url), ("fm", None));
        assert!(t.patched(&json!({"id": "Other1"})).is_err());
        assert!(t.patched(&json!({"android_app_id": null})).is_err());
        assert!(t.patched(&json!("x")).is_err());
    }
}
