//! Link time-to-live: the accepted forms and each API version's caps.
//!
//! A TTL is `"{n}m"`, `"{n}h"`, `"{n}d"`, or a bare number of days (`"14"`
//! or `14`). Version 1 caps it at 31 days; version 2 accepts up to 730 days
//! and falls back to the 31-day default above that, as AppsFlyer does.

use serde_json::Value;

use crate::DomainError;
use crate::clock::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};

/// Seconds in one day.
const DAY_SECS: i64 = DAY_MS / SECOND_MS;
/// The TTL of a link created or updated without one: 31 days.
pub const DEFAULT_TTL_SECS: i64 = 31 * DAY_SECS;
/// The longest TTL version 2 accepts before falling back to the default.
pub const V2_MAX_TTL_SECS: i64 = 730 * DAY_SECS;

/// Which API shape a request came through; it decides the TTL caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/shortlink/v1`: at most 31 days.
    V1,
    /// `/api/v2.0` and Waylink's own `/api/v1` routes: at most 730 days.
    V2,
}

/// A validated, capped TTL in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ttl(i64);

impl Default for Ttl {
    fn default() -> Self {
        Ttl(DEFAULT_TTL_SECS)
    }
}

impl Ttl {
    /// The TTL in seconds.
    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// The TTL in milliseconds.
    pub const fn millis(self) -> i64 {
        self.0 * SECOND_MS
    }

    /// A TTL of `seconds`, as stored; no caps are applied.
    pub const fn from_stored_seconds(seconds: i64) -> Self {
        Ttl(seconds)
    }

    /// Reads the `ttl` field of a request: absent or `null` is the default;
    /// a string or a number is parsed and capped for `version`.
    pub fn from_json(value: Option<&Value>, version: ApiVersion) -> Result<Ttl, DomainError> {
        match value {
            None | Some(Value::Null) => Ok(Ttl::default()),
            Some(Value::String(text)) => Ttl::parse(text, version),
            Some(Value::Number(n)) => {
                let days = if let Some(days) = n.as_u64() {
                    days
                } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && *f > 0.0) {
                    // A whole number written with a fraction or an exponent.
                    if f >= u64::MAX as f64 {
                        u64::MAX
                    } else {
                        f as u64
                    }
                } else {
                    return Err(refuse(&n.to_string()));
                };
                from_units(days, DAY_MS, version).ok_or_else(|| refuse(&n.to_string()))
            }
            Some(other) => Err(refuse(&other.to_string())),
        }
    }

    /// Parses the text form of a TTL and applies `version`'s caps.
    pub fn parse(text: &str, version: ApiVersion) -> Result<Ttl, DomainError> {
        let (digits, unit_ms) = match text.as_bytes().last() {
            Some(b'm') => (&text[..text.len() - 1], MINUTE_MS),
            Some(b'h') => (&text[..text.len() - 1], HOUR_MS),
            Some(b'd') => (&text[..text.len() - 1], DAY_MS),
            _ => (text, DAY_MS),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(&format!("{text:?}")));
        }
        // Only digits remain, so a failed parse means the number is too
        // large for u64: far over every cap, so it is capped like one.
        let n = digits.parse::<u64>().unwrap_or(u64::MAX);
        from_units(n, unit_ms, version).ok_or_else(|| refuse(&format!("{text:?}")))
    }
}

/// `n` units of `unit_ms`, capped for `version`; `None` for zero.
fn from_units(n: u64, unit_ms: i64, version: ApiVersion) -> Option<Ttl> {
    if n == 0 {
        return None;
    }
    let unit_secs = unit_ms / SECOND_MS;
    let secs = i64::try_from(n)
        .unwrap_or(i64::MAX)
        .saturating_mul(unit_secs);
    let capped = match version {
        ApiVersion::V1 => secs.min(DEFAULT_TTL_SECS),
        ApiVersion::V2 if secs > V2_MAX_TTL_SECS => DEFAULT_TTL_SECS,
        ApiVersion::V2 => secs,
    };
    Some(Ttl(capped))
}

fn refuse(shown: &str) -> DomainError {
    DomainError::invalid(
        "ttl",
        format!(
            "ttl must be a positive whole number of minutes, hours or days such as \"10m\", \"20h\" or \"14d\", or a number of days such as 14; {shown} is not accepted"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const M: i64 = 60;
    const H: i64 = 3600;
    const D: i64 = 86_400;

    #[test]
    fn ttl_inputs_give_these_seconds_in_each_version() {
        // (input, version 1, version 2)
        let table: &[(Value, i64, i64)] = &[
            (json!("10m"), 10 * M, 10 * M),
            (json!("1m"), M, M),
            (json!("20h"), 20 * H, 20 * H),
            (json!("14d"), 14 * D, 14 * D),
            (json!("14"), 14 * D, 14 * D),
            (json!(14), 14 * D, 14 * D),
            (json!(14.0), 14 * D, 14 * D),
            (json!("31d"), 31 * D, 31 * D),
            (json!("32d"), 31 * D, 32 * D),
            (json!("745h"), 31 * D, 745 * H),
            (json!("44641m"), 31 * D, 44_641 * M),
            (json!("730d"), 31 * D, 730 * D),
            (json!("731d"), 31 * D, 31 * D),
            (json!(731), 31 * D, 31 * D),
            (json!("99999999999999999999999d"), 31 * D, 31 * D),
            (json!(null), 31 * D, 31 * D),
        ];
        for (input, v1, v2) in table {
            assert_eq!(
                Ttl::from_json(Some(input), ApiVersion::V1).map(Ttl::seconds),
                Ok(*v1),
                "v1 {input}"
            );
            assert_eq!(
                Ttl::from_json(Some(input), ApiVersion::V2).map(Ttl::seconds),
                Ok(*v2),
                "v2 {input}"
            );
        }
    }

    #[test]
    fn an_absent_ttl_is_31_days() {
        assert_eq!(
            Ttl::from_json(None, ApiVersion::V1).unwrap().seconds(),
            31 * D
        );
        assert_eq!(
            Ttl::from_json(None, ApiVersion::V2).unwrap().seconds(),
            31 * D
        );
    }

    #[test]
    fn zero_negative_and_unparsable_ttls_are_refused_with_the_accepted_forms() {
        let bad = [
            json!("0d"),
            json!("0"),
            json!(0),
            json!(-3),
            json!("-3d"),
            json!(1.5),
            json!("1.5d"),
            json!("d"),
            json!(""),
            json!("14 d"),
            json!(" 14d"),
            json!("14w"),
            json!("14D"),
            json!("fourteen"),
            json!(true),
            json!([14]),
            json!({"d": 14}),
        ];
        for input in bad {
            for version in [ApiVersion::V1, ApiVersion::V2] {
                let err = Ttl::from_json(Some(&input), version).unwrap_err();
                let DomainError::Invalid { parameter, message } = err else {
                    panic!("wrong error kind for {input}");
                };
                assert_eq!(parameter, "ttl");
                assert!(message.contains("\"10m\""), "{message}");
            }
        }
    }
}
