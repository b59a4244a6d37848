//! Usage counters of the embedded store, kept in memory.
//!
//! One process owns an embedded store, so its own memory sees every
//! request: the per-second counter needs no database at all (a restart
//! starts the second over), and the day's quota used is the database's
//! total, read once per account and day and then kept up to date by every
//! charge, which the database answers with its new total.

use std::collections::HashMap;
use std::sync::Mutex;

use waylink_core::clock::Timestamp;

/// Most accounts remembered; past it the map starts over (each account
/// then reads its day's total once more).
const MAX_ACCOUNTS: usize = 100_000;

#[derive(Debug, Default)]
struct Account {
    second: i64,
    this_second: u64,
    /// The UTC day and the quota used on it, once known.
    today: Option<(i64, u64)>,
}

/// The counters of every account.
#[derive(Debug, Default)]
pub struct Counters {
    accounts: Mutex<HashMap<String, Account>>,
}

impl Counters {
    /// Counts a request in its second; answers the second's count and the
    /// day's quota used, if known.
    pub fn charge_request(&self, account_id: &str, now: Timestamp) -> (u64, Option<u64>) {
        let mut accounts = self.lock();
        if accounts.len() >= MAX_ACCOUNTS && !accounts.contains_key(account_id) {
            accounts.clear();
        }
        let account = accounts.entry(account_id.to_owned()).or_default();
        if account.second != now.epoch_second() {
            account.second = now.epoch_second();
            account.this_second = 0;
        }
        account.this_second += 1;
        let today = account
            .today
            .filter(|(day, _)| *day == now.utc_day())
            .map(|(_, used)| used);
        (account.this_second, today)
    }

    /// The day's quota used, if known.
    pub fn today(&self, account_id: &str, now: Timestamp) -> Option<u64> {
        let accounts = self.lock();
        let (day, used) = accounts.get(account_id)?.today?;
        (day == now.utc_day()).then_some(used)
    }

    /// Notes the database's total for the day of `now`. Totals only grow
    /// within a day, so of two answers that cross, the larger is the later.
    pub fn note_today(&self, account_id: &str, now: Timestamp, used: u64) {
        let mut accounts = self.lock();
        let account = accounts.entry(account_id.to_owned()).or_default();
        let day = now.utc_day();
        account.today = match account.today {
            Some((d, known)) if d == day => Some((day, known.max(used))),
            Some((d, known)) if d > day => Some((d, known)),
            _ => Some((day, used)),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        // A panic while holding the lock leaves counts that are still
        // counts: carry on with them.
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
