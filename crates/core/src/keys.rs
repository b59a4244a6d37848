//! API keys: random, prefixed, shown once, stored only as a hash.
//!
//! A key carries 190 bits from the OS CSPRNG, so a plain SHA-256 of it is
//! enough to store: there is nothing to brute-force that a salt would slow.
//! The prefix tells at a glance (and to secret scanners) what a key opens.

use sha2::{Digest, Sha256};

use crate::random::{ALPHANUMERIC, random_string};

/// What a key opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An account's API key: `wl_live_...`.
    Account,
    /// An app's SDK key: `wl_sdk_...`.
    Sdk,
}

impl KeyKind {
    /// The prefix of keys of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Account => "wl_live_",
            KeyKind::Sdk => "wl_sdk_",
        }
    }
}

/// Random characters after the prefix: 32 of 62 symbols ≈ 190 bits.
const SECRET_CHARS: usize = 32;

/// A freshly made key: the secret to show once, and what is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The whole key, to hand to the client once and never store.
    pub secret: String,
    /// The SHA-256 of the key in lower-case hex: what storage keeps.
    pub hash: String,
    /// The prefix and first four secret characters, to tell keys apart.
    pub hint: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log line.
        f.debug_struct("NewKey")
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

impl NewKey {
    /// Makes a new random key of `kind`.
    pub fn generate(kind: KeyKind) -> NewKey {
        let secret = format!(
            "{}{}",
            kind.prefix(),
            random_string(SECRET_CHARS, ALPHANUMERIC)
        );
        let hint = secret[..kind.prefix().len() + 4].to_owned();
        NewKey {
            hash: hash_key(&secret),
            secret,
            hint,
        }
    }
}

/// The stored form of a presented key.
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

/// Compares a presented secret with the expected one without leaking, by
/// timing, how many leading characters matched: both are hashed first.
pub fn secrets_match(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The key in an `authorization` header value: `KEY` or `Bearer KEY`.
pub fn key_from_authorization(value: &str) -> Option<&str> {
    let value = value.trim();
    let key = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None if value.eq_ignore_ascii_case("bearer") => return None,
        None => value,
    };
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_prefixed_long_and_stored_only_as_its_hash() {
        let key = NewKey::generate(KeyKind::Account);
        assert!(key.secret.starts_with("wl_live_"));
        assert_eq!(key.secret.len(), "wl_live_".len() + 32);
        assert_eq!(key.hash, hash_key(&key.secret));
        assert_eq!(key.hash.len(), 64);
        assert!(!format!("{key:?}").contains(&key.secret));
        assert!(NewKey::generate(KeyKind::Sdk).secret.starts_with("wl_sdk_"));
    }

    #[test]
    fn two_keys_differ() {
        assert_ne!(
            NewKey::generate(KeyKind::Account).secret,
            NewKey::generate(KeyKind::Account).secret
        );
    }

    #[test]
    fn the_key_is_read_bare_or_after_bearer() {
        assert_eq!(key_from_authorization("wl_live_abc"), Some("wl_live_abc"));
        assert_eq!(
            key_from_authorization("Bearer wl_live_abc"),
            Some("wl_live_abc")
        );
        assert_eq!(
            key_from_authorization("bearer  wl_live_abc "),
            Some("wl_live_abc")
        );
        assert_eq!(key_from_authorization("Basic dXNlcg=="), None);
        assert_eq!(key_from_authorization("Bearer "), None);
        assert_eq!(key_from_authorization(""), None);
    }

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(secrets_match("s3cret", "s3cret"));
        assert!(!secrets_match("s3cret", "s3cre"));
    }
}
