//! Time as the domain sees it: a [`Timestamp`] read from an injected [`Clock`].
//!
//! The server runs on [`SystemClock`], or on [`OffsetClock`] under
//! `--test-clock` so that an operator can move time forward; tests use
//! [`ManualClock`], which stands still until told to move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::DomainError;

/// Milliseconds in one second, minute, hour and day.
pub const SECOND_MS: i64 = 1_000;
/// Milliseconds in one minute.
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// A point in time: milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This time plus `millis` (saturating: far futures stay representable).
    pub const fn plus_millis(self, millis: i64) -> Self {
        Timestamp(self.0.saturating_add(millis))
    }

    /// Whole seconds from `self` until `later`, rounded down, never negative.
    pub fn whole_seconds_until(self, later: Timestamp) -> i64 {
        (later.0.saturating_sub(self.0) / SECOND_MS).max(0)
    }

    /// The UTC day number (days since the epoch) this time falls in.
    pub const fn utc_day(self) -> i64 {
        self.0.div_euclid(DAY_MS)
    }

    /// The second number (seconds since the epoch) this time falls in.
    pub const fn epoch_second(self) -> i64 {
        self.0.div_euclid(SECOND_MS)
    }

    /// The next 00:00 UTC strictly after this time.
    pub const fn next_utc_midnight(self) -> Timestamp {
        Timestamp((self.utc_day() + 1) * DAY_MS)
    }

    /// RFC 3339 in UTC with whole seconds, e.g. `2026-12-23T10:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn to_datetime(self) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Where the domain reads the current time from.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// A clock that an operator or a test may move forward.
pub trait AdjustableClock: Clock {
    /// Moves the clock forward by `millis`.
    fn advance(&self, millis: i64);
}

/// The machine's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(system_millis())
    }
}

fn system_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The wall clock plus an offset that only grows: time keeps flowing, and
/// `advance` jumps it forward (the `--test-clock` of the server).
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl OffsetClock {
    /// A clock that starts at the wall clock's time.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        Timestamp(system_millis().saturating_add(self.offset_ms.load(Ordering::SeqCst)))
    }
}

impl AdjustableClock for OffsetClock {
    fn advance(&self, millis: i64) {
        self.offset_ms.fetch_add(millis.max(0), Ordering::SeqCst);
    }
}

/// A clock that stands still until it is moved: for tests.
#[derive(Debug)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now_ms: AtomicI64::new(start.0),
        }
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.now_ms.store(at.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now_ms.load(Ordering::SeqCst))
    }
}

impl AdjustableClock for ManualClock {
    fn advance(&self, millis: i64) {
        self.now_ms.fetch_add(millis.max(0), Ordering::SeqCst);
    }
}

/// Parses a clock step such as `"90s"`, `"10m"`, `"20h"` or `"31d"` into
/// milliseconds. The number must be a positive whole number.
pub fn parse_clock_step(text: &str) -> Result<i64, DomainError> {
    let refuse = || {
        DomainError::invalid(
            "by",
            format!(
                "by must be a positive whole number followed by s, m, h or d (for example \"90s\" or \"31d\"), not {text:?}"
            ),
        )
    };
    let unit_ms = match text.chars().last() {
        Some('s') => SECOND_MS,
        Some('m') => MINUTE_MS,
        Some('h') => HOUR_MS,
        Some('d') => DAY_MS,
        _ => return Err(refuse()),
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    let n: i64 = digits.parse().map_err(|_| refuse())?;
    if n == 0 {
        return Err(refuse());
    }
    // Ten thousand years is plenty for a test and keeps the sums in range.
    n.checked_mul(unit_ms)
        .filter(|ms| *ms <= 10_000 * 365 * DAY_MS)
        .ok_or_else(refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_formats_as_rfc3339_in_utc_with_whole_seconds() {
        let t = Timestamp::from_millis(1_798_020_000_123);
        assert_eq!(t.to_rfc3339(), "2026-12-23T10:00:00Z");
    }

    #[test]
    fn the_next_midnight_of_the_last_millisecond_of_a_day_is_one_millisecond_later() {
        let last = Timestamp::from_millis(20_000 * DAY_MS - 1);
        assert_eq!(last.next_utc_midnight().as_millis(), 20_000 * DAY_MS);
        let first = Timestamp::from_millis(20_000 * DAY_MS);
        assert_eq!(first.next_utc_midnight().as_millis(), 20_001 * DAY_MS);
    }

    #[test]
    fn a_manual_clock_stands_still_until_advanced() {
        let clock = ManualClock::new(Timestamp::from_millis(1_000));
        assert_eq!(clock.now(), clock.now());
        clock.advance(DAY_MS);
        assert_eq!(clock.now().as_millis(), 1_000 + DAY_MS);
    }

    #[test]
    fn an_offset_clock_moves_forward_by_the_step() {
        let clock = OffsetClock::new();
        let before = clock.now();
        clock.advance(31 * DAY_MS);
        assert!(clock.now().as_millis() - before.as_millis() >= 31 * DAY_MS);
    }

    #[test]
    fn clock_steps_parse_in_every_unit_and_refuse_the_rest() {
        assert_eq!(parse_clock_step("90s"), Ok(90 * SECOND_MS));
        assert_eq!(parse_clock_step("10m"), Ok(10 * MINUTE_MS));
        assert_eq!(parse_clock_step("20h"), Ok(20 * HOUR_MS));
        assert_eq!(parse_clock_step("31d"), Ok(31 * DAY_MS));
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "1.5d",
            "1w",
            "31",
            " 1d",
            "99999999999999999999d",
        ] {
            assert!(parse_clock_step(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
