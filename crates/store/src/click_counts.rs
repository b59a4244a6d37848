//! Daily click counters, as both backends keep and read them.
//!
//! Raw clicks are purged after 31 days and counting them at every request
//! is slow, so recording a batch also adds the clicks it stored to two
//! tables, in the same transaction: `click_counts`, a row per template,
//! UTC day, media source (`pid`), campaign (`c`) and platform, which the
//! statistics of a template read (a few rows a day, however many links
//! it has); and `link_click_counts`, the same per short link, which the
//! statistics of one link read. Statistics read them for the whole UTC
//! days of their range and the raw clicks only for the partial days at
//! its edges (see [`split`]).
//!
//! The keys are upserted, and SQLite's unique keys treat NULLs as
//! distinct, so no key column is NULL: an absent pid or campaign is stored
//! as `''` with its bit set in the `absent` column ([`ABSENT_PID`],
//! [`ABSENT_CAMPAIGN`]). An absent pid and an empty one therefore stay two
//! groups, as they are when raw clicks are counted. A click on no short
//! link counts for its template only.

use waylink_core::clock::DAY_MS;
use waylink_core::stats::Group;

/// The bit of `absent` set when the click's data had no `pid`.
pub const ABSENT_PID: i64 = 1;
/// The bit of `absent` set when the click's data had no `c`.
pub const ABSENT_CAMPAIGN: i64 = 2;

/// The counter day of a click at `at` (milliseconds), the same day number
/// raw clicks are grouped by (`at / DAY_MS`). Clicks before 1970 get none:
/// integer division rounds toward zero, so the day-0 counter would also
/// hold the day before it (the server's clock never gives such times).
pub fn counter_day(at: i64) -> Option<i64> {
    (at >= 0).then_some(at / DAY_MS)
}

/// The `absent` bits of a click's key.
pub fn absent_bits(pid: Option<&str>, campaign: Option<&str>) -> i64 {
    let bit = |value: Option<&str>, bit: i64| if value.is_none() { bit } else { 0 };
    bit(pid, ABSENT_PID) | bit(campaign, ABSENT_CAMPAIGN)
}

/// The statistics group of a counter row read back.
pub fn group(pid: String, campaign: String, platform: String, day: i64, absent: i64) -> Group {
    Group {
        pid: (absent & ABSENT_PID == 0).then_some(pid),
        campaign: (absent & ABSENT_CAMPAIGN == 0).then_some(campaign),
        platform: Some(platform),
        day: Some(day),
    }
}

/// How a statistics range `[from, to)` (milliseconds) is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The UTC days wholly inside the range, read from the counters:
    /// `[first, end)`, or `None` when there is none.
    pub days: Option<(i64, i64)>,
    /// The parts of the range outside those days, read from the raw
    /// clicks: at most one at each edge, each shorter than a day (unless
    /// it reaches before 1970), or the whole range when it holds no whole
    /// day.
    pub raw: Vec<(i64, i64)>,
}

/// Splits `[from, to)` into whole UTC days and the partial days at its
/// edges. Times before 1970 are always read raw (see [`counter_day`]).
pub fn split(from: i64, to: i64) -> Split {
    let whole = || {
        let start = from.max(0);
        let first = start / DAY_MS + i64::from(start % DAY_MS != 0);
        let end = to.div_euclid(DAY_MS);
        let first_ms = first.checked_mul(DAY_MS)?;
        let end_ms = end.checked_mul(DAY_MS)?;
        (first < end).then_some((first, end, first_ms, end_ms))
    };
    match whole() {
        Some((first, end, first_ms, end_ms)) => {
            let raw = [(from, first_ms), (end_ms, to)]
                .into_iter()
                .filter(|(a, b)| a < b)
                .collect();
            Split {
                days: Some((first, end)),
                raw,
            }
        }
        None => Split {
            days: None,
            raw: if from < to {
                vec![(from, to)]
            } else {
                Vec::new()
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;

    #[test]
    fn whole_days_are_read_from_the_counters_alone() {
        assert_eq!(
            split(10 * D, 40 * D),
            Split {
                days: Some((10, 40)),
                raw: vec![]
            }
        );
        assert_eq!(
            split(10 * D, 11 * D),
            Split {
                days: Some((10, 11)),
                raw: vec![]
            }
        );
    }

    #[test]
    fn partial_days_at_the_edges_are_read_raw() {
        assert_eq!(
            split(10 * D + 5, 40 * D + 7),
            Split {
                days: Some((11, 40)),
                raw: vec![(10 * D + 5, 11 * D), (40 * D, 40 * D + 7)]
            }
        );
        assert_eq!(
            split(10 * D, 12 * D - 1),
            Split {
                days: Some((10, 11)),
                raw: vec![(11 * D, 12 * D - 1)]
            }
        );
    }

    #[test]
    fn a_range_without_a_whole_day_is_read_raw() {
        for (from, to) in [(10 * D + 1, 11 * D + 5), (10 * D, 11 * D - 1), (5, 6)] {
            assert_eq!(
                split(from, to),
                Split {
                    days: None,
                    raw: vec![(from, to)]
                }
            );
        }
        assert_eq!(split(6, 5).raw, Vec::new());
    }

    #[test]
    fn times_before_1970_and_at_the_ends_of_time_are_read_raw() {
        assert_eq!(
            split(-D - 3, 2 * D),
            Split {
                days: Some((0, 2)),
                raw: vec![(-D - 3, 0)]
            }
        );
        assert_eq!(split(-5 * D, -D).days, None);
        assert_eq!(split(i64::MAX - 10, i64::MAX).days, None);
        assert_eq!(split(i64::MIN, i64::MAX).days.map(|(a, _)| a), Some(0));
    }

    #[test]
    fn absent_values_set_their_bit_and_read_back_as_none() {
        let bits = absent_bits(Some(""), None);
        assert_eq!(bits, ABSENT_CAMPAIGN);
        let g = group(String::new(), String::new(), "ios".into(), 3, bits);
        assert_eq!(
            (g.pid, g.campaign),
            (Some(String::new()), None),
            "an empty pid is a value, an absent campaign is none"
        );
    }

    #[test]
    fn counter_days_are_the_raw_grouping_days() {
        assert_eq!(counter_day(0), Some(0));
        assert_eq!(counter_day(D - 1), Some(0));
        assert_eq!(counter_day(D), Some(1));
        assert_eq!(counter_day(-1), None);
    }
}
