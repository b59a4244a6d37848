//! Unguessable tokens from the operating system's CSPRNG.

/// Letters and digits: URL-safe in every position, unambiguous in a path.
pub const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A string of `len` characters drawn uniformly from `alphabet` with the
/// operating system's CSPRNG.
///
/// Rejection sampling keeps the draw uniform: bytes at or above the largest
/// multiple of the alphabet's size are thrown away instead of folded back,
/// which would favour the first characters.
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill_from_os(&mut buf);
        for &byte in &buf {
            if (byte as usize) < limit && out.len() < len {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// Fills `buf` with random bytes from the operating system.
pub fn fill_from_os(buf: &mut [u8]) {
    // Without a working OS random source no key, id or secret can be made
    // safely; there is nothing sensible to fall back to.
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_strings_have_the_asked_length_and_alphabet() {
        let s = random_string(40, ALPHANUMERIC);
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| ALPHANUMERIC.contains(&b)));
    }

    #[test]
    fn two_random_strings_differ() {
        assert_ne!(
            random_string(16, ALPHANUMERIC),
            random_string(16, ALPHANUMERIC)
        );
    }
}
