//! The daily quota and the per-second rate limit, as rules over counters.
//!
//! Storage keeps two counters per account, one per UTC day (creates,
//! updates and deletes) and one per second (every request), incremented
//! atomically; these rules read the counts after the increment.

use crate::clock::Timestamp;

/// The counts of an account after charging the current request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Requests in the current second, this one included.
    pub this_second: u64,
    /// Quota units used today (UTC), this request's included.
    pub today: u64,
}

/// The limits in force for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Quota units per UTC day.
    pub daily_quota: u64,
    /// Requests per second.
    pub rate_limit: u64,
}

/// What to do with a request after charging it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it.
    Allow,
    /// 429: too many requests this second.
    RateLimited,
    /// 429: today's quota is used up.
    QuotaExceeded,
}

impl Limits {
    /// The verdict on a request that brought the counters to `usage`;
    /// `uses_quota` tells whether it is a create, update or delete.
    pub fn judge(self, usage: Usage, uses_quota: bool) -> Verdict {
        if usage.this_second > self.rate_limit {
            Verdict::RateLimited
        } else if uses_quota && usage.today > self.daily_quota {
            Verdict::QuotaExceeded
        } else {
            Verdict::Allow
        }
    }

    /// Quota units left today after `used`.
    pub fn remaining(self, used: u64) -> u64 {
        self.daily_quota.saturating_sub(used)
    }

    /// How many of `items` charged together fit the quota, when `used`
    /// counts them all: the first ones fit, the rest are over.
    pub fn items_within_quota(self, used_after: u64, items: u64) -> u64 {
        let before = used_after.saturating_sub(items);
        self.daily_quota.saturating_sub(before).min(items)
    }
}

/// When the daily quota of the day containing `now` resets: 00:00 UTC next.
pub fn quota_resets_at(now: Timestamp) -> Timestamp {
    now.next_utc_midnight()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{AdjustableClock, Clock, DAY_MS, ManualClock};

    const LIMITS: Limits = Limits {
        daily_quota: 3,
        rate_limit: 5,
    };

    #[test]
    fn requests_up_to_the_quota_pass_and_the_next_is_refused() {
        for used in 1..=3 {
            assert_eq!(
                LIMITS.judge(
                    Usage {
                        this_second: 1,
                        today: used
                    },
                    true
                ),
                Verdict::Allow
            );
        }
        assert_eq!(
            LIMITS.judge(
                Usage {
                    this_second: 1,
                    today: 4
                },
                true
            ),
            Verdict::QuotaExceeded
        );
    }

    #[test]
    fn reads_are_not_refused_for_the_quota() {
        assert_eq!(
            LIMITS.judge(
                Usage {
                    this_second: 1,
                    today: 99
                },
                false
            ),
            Verdict::Allow
        );
    }

    #[test]
    fn the_rate_limit_applies_to_every_request_and_wins() {
        assert_eq!(
            LIMITS.judge(
                Usage {
                    this_second: 5,
                    today: 0
                },
                false
            ),
            Verdict::Allow
        );
        assert_eq!(
            LIMITS.judge(
                Usage {
                    this_second: 6,
                    today: 0
                },
                false
            ),
            Verdict::RateLimited
        );
        assert_eq!(
            LIMITS.judge(
                Usage {
                    this_second: 6,
                    today: 9
                },
                true
            ),
            Verdict::RateLimited
        );
    }

    #[test]
    fn a_batch_gets_what_is_left_of_the_quota() {
        assert_eq!(LIMITS.items_within_quota(5, 5), 3);
        assert_eq!(LIMITS.items_within_quota(2, 2), 2);
        assert_eq!(LIMITS.items_within_quota(9, 2), 0);
    }

    #[test]
    fn the_quota_day_turns_at_midnight_utc() {
        let clock = ManualClock::new(Timestamp::from_millis(20_000 * DAY_MS - 1));
        let day = clock.now().utc_day();
        assert_eq!(quota_resets_at(clock.now()).as_millis(), 20_000 * DAY_MS);
        clock.advance(1);
        assert_eq!(clock.now().utc_day(), day + 1);
        assert_eq!(quota_resets_at(clock.now()).as_millis(), 20_001 * DAY_MS);
    }
}
