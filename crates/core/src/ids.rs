//! Identifiers chosen by clients or generated here: short-link ids and
//! template ids. Both validate on construction, so a value of these types
//! is always well formed.

use std::fmt;

use serde::Serialize;

use crate::DomainError;
use crate::random::{ALPHANUMERIC, random_string};

/// The length of a generated short-link id: 62^8 ≈ 2.2e14 possibilities.
pub const GENERATED_SHORTLINK_ID_LEN: usize = 8;
/// The longest short-link id a client may choose.
pub const MAX_SHORTLINK_ID_LEN: usize = 50;

/// The id of a short link within its template: 1 to 50 characters of
/// `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ShortlinkId(String);

impl ShortlinkId {
    /// Validates a client-chosen id.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let ok = (1..=MAX_SHORTLINK_ID_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(ShortlinkId(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "shortlink_id",
                format!(
                    "shortlink_id must be 1 to 50 characters of A-Z, a-z, 0-9, _ and -; {text:?} is not"
                ),
            ))
        }
    }

    /// An id read back from storage, where it was validated on the way in.
    pub fn from_stored(text: String) -> Self {
        ShortlinkId(text)
    }

    /// A fresh unguessable id of 8 letters and digits from the OS CSPRNG.
    pub fn generate() -> Self {
        ShortlinkId(random_string(GENERATED_SHORTLINK_ID_LEN, ALPHANUMERIC))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortlinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Words a template id may not be, compared without regard to case: each
/// names (or is kept for) a route of the server, and a template with that id
/// would shadow it on hosts that route by path alone.
pub const RESERVED_TEMPLATE_IDS: &[&str] = &[
    "admin",
    "api",
    "assets",
    "dashboard",
    "docs",
    "favicon",
    "health",
    "healthz",
    "internal",
    "livez",
    "login",
    "logout",
    "metrics",
    "openapi",
    "public",
    "ready",
    "readyz",
    "robots",
    "sdk",
    "shortlink",
    "signin",
    "signout",
    "static",
    "status",
    "version",
];

/// A template's id: 4 to 8 letters or digits, case-sensitive, never a
/// reserved word.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TemplateId(String);

impl TemplateId {
    /// Validates a client-chosen template id.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if !(4..=8).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid(
                "id",
                format!("a template id must be 4 to 8 letters or digits; {text:?} is not"),
            ));
        }
        if is_reserved(text) {
            return Err(DomainError::invalid(
                "id",
                format!(
                    "{text:?} names a route of the server and cannot be a template id; choose another"
                ),
            ));
        }
        Ok(TemplateId(text.to_owned()))
    }

    /// An id read back from storage. It is not checked again, so that a
    /// word reserved later does not make an existing template unreadable.
    pub fn from_stored(text: String) -> Self {
        TemplateId(text)
    }

    /// A fresh 4-character id from the OS CSPRNG that is not reserved.
    pub fn generate() -> Self {
        loop {
            let candidate = random_string(4, ALPHANUMERIC);
            if !is_reserved(&candidate) {
                return TemplateId(candidate);
            }
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_reserved(text: &str) -> bool {
    RESERVED_TEMPLATE_IDS
        .iter()
        .any(|word| word.eq_ignore_ascii_case(text))
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortlink_ids_of_the_allowed_alphabet_and_length_are_accepted() {
        for ok in ["a", "bananas7", "A-b_C-9", &"x".repeat(50)] {
            assert_eq!(ShortlinkId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn shortlink_ids_outside_the_alphabet_or_too_long_are_refused() {
        for bad in [
            "",
            &"x".repeat(51),
            "a b",
            "a/b",
            "a.b",
            "é",
            "a%20",
            "a?b",
            "a\nb",
        ] {
            let err = ShortlinkId::parse(bad).unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref parameter, .. } if parameter == "shortlink_id")
            );
        }
    }

    #[test]
    fn generated_shortlink_ids_are_eight_alphanumerics_and_differ() {
        let ids: std::collections::HashSet<_> =
            (0..1000).map(|_| ShortlinkId::generate()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(
            ids.iter().all(|id| id.as_str().len() == 8
                && id.as_str().bytes().all(|b| b.is_ascii_alphanumeric()))
        );
    }

    #[test]
    fn template_ids_are_four_to_eight_letters_or_digits() {
        for ok in ["H5hv", "abcd1234", "ZZZZ"] {
            assert!(TemplateId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["abc", "abcdefghi", "ab-c", "ab_c", "abcé", ""] {
            assert!(TemplateId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn template_ids_that_name_a_route_are_refused_in_any_case() {
        for bad in [
            "admin", "ADMIN", "Health", "metrics", "static", "assets", "docs", "Status",
        ] {
            let err = TemplateId::parse(bad).unwrap_err();
            assert!(err.to_string().contains("route"), "{bad}: {err}");
        }
    }

    #[test]
    fn generated_template_ids_are_valid() {
        for _ in 0..200 {
            let id = TemplateId::generate();
            assert_eq!(TemplateId::parse(id.as_str()), Ok(id));
        }
    }
}
