//! Statistics: counts per media source, campaign, platform and day, summed
//! over whichever of those dimensions the reader asks to group by.

use std::collections::BTreeMap;

use crate::DomainError;
use crate::clock::{DAY_MS, Timestamp};

/// A dimension statistics can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// The media source, `pid`.
    Pid,
    /// The campaign, `c`.
    Campaign,
    /// `android`, `ios` or `desktop`.
    Platform,
    /// The UTC day.
    Day,
}

impl Dimension {
    /// Reads `pid`, `c`, `platform` or `day`.
    pub fn parse(text: &str) -> Result<Dimension, DomainError> {
        match text {
            "pid" => Ok(Dimension::Pid),
            "c" => Ok(Dimension::Campaign),
            "platform" => Ok(Dimension::Platform),
            "day" => Ok(Dimension::Day),
            _ => Err(DomainError::invalid(
                "group_by",
                format!(
                    "group_by takes pid, c, platform and day, comma-separated; {text:?} is not one"
                ),
            )),
        }
    }

    /// Reads a comma-separated list; empty means no grouping (totals).
    pub fn parse_list(text: &str) -> Result<Vec<Dimension>, DomainError> {
        let mut dims: Vec<Dimension> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Dimension::parse)
            .collect::<Result<_, _>>()?;
        dims.sort();
        dims.dedup();
        Ok(dims)
    }
}

/// Where a count belongs; a dimension not grouped by is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group {
    /// Media source.
    pub pid: Option<String>,
    /// Campaign.
    pub campaign: Option<String>,
    /// Platform name.
    pub platform: Option<String>,
    /// UTC day number.
    pub day: Option<i64>,
}

/// The counts of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Clicks by people, on live and on gone links.
    pub clicks: u64,
    /// Of those, clicks on unknown, expired or deleted short links.
    pub expired_clicks: u64,
    /// Installs matched by install referrer.
    pub installs_referrer: u64,
    /// Installs matched by advertising id.
    pub installs_id_matching: u64,
    /// Installs matched probabilistically.
    pub installs_probabilistic: u64,
    /// Installs of the template's apps that no click matched.
    pub organic_installs: u64,
    /// Opens of installed apps through retargeting links.
    pub reengagements: u64,
}

impl Counts {
    /// Installs credited to clicks.
    pub fn attributed_installs(&self) -> u64 {
        self.installs_referrer + self.installs_id_matching + self.installs_probabilistic
    }

    /// Attributed installs per click; `None` without clicks.
    pub fn click_to_install_rate(&self) -> Option<f64> {
        (self.clicks > 0).then(|| self.attributed_installs() as f64 / self.clicks as f64)
    }

    fn add(&mut self, other: &Counts) {
        self.clicks += other.clicks;
        self.expired_clicks += other.expired_clicks;
        self.installs_referrer += other.installs_referrer;
        self.installs_id_matching += other.installs_id_matching;
        self.installs_probabilistic += other.installs_probabilistic;
        self.organic_installs += other.organic_installs;
        self.reengagements += other.reengagements;
    }
}

/// Sums fine-grained rows (every dimension set) into the groups of `by`,
/// ordered by group.
pub fn aggregate(rows: &[(Group, Counts)], by: &[Dimension]) -> Vec<(Group, Counts)> {
    let mut sums: BTreeMap<Group, Counts> = BTreeMap::new();
    for (group, counts) in rows {
        let key = Group {
            pid: by
                .contains(&Dimension::Pid)
                .then(|| group.pid.clone())
                .flatten(),
            campaign: by
                .contains(&Dimension::Campaign)
                .then(|| group.campaign.clone())
                .flatten(),
            platform: by
                .contains(&Dimension::Platform)
                .then(|| group.platform.clone())
                .flatten(),
            day: by.contains(&Dimension::Day).then_some(group.day).flatten(),
        };
        sums.entry(key).or_default().add(counts);
    }
    sums.into_iter().collect()
}

/// The totals of all rows.
pub fn totals(rows: &[(Group, Counts)]) -> Counts {
    let mut sum = Counts::default();
    for (_, counts) in rows {
        sum.add(counts);
    }
    sum
}

/// `2026-11-22` for a UTC day number.
pub fn day_label(day: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(day * DAY_MS)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Reads `2026-11-22` (a whole UTC day) or an RFC 3339 time.
pub fn parse_time(field: &str, text: &str) -> Result<Timestamp, DomainError> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(start) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(Timestamp::from_millis(start.and_utc().timestamp_millis()));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| Timestamp::from_millis(t.timestamp_millis()))
        .map_err(|_| {
            DomainError::invalid(field, format!("{field} must be a date such as 2026-11-22 or a time such as 2026-11-22T10:00:00Z"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pid: &str, platform: &str, day: i64, clicks: u64, referrer: u64) -> (Group, Counts) {
        (
            Group {
                pid: Some(pid.into()),
                campaign: Some("c1".into()),
                platform: Some(platform.into()),
                day: Some(day),
            },
            Counts {
                clicks,
                installs_referrer: referrer,
                ..Counts::default()
            },
        )
    }

    #[test]
    fn rows_are_summed_over_the_dimensions_not_grouped_by() {
        let rows = [
            row("sms", "android", 1, 10, 2),
            row("sms", "ios", 1, 5, 1),
            row("email", "ios", 2, 4, 0),
        ];
        let by_pid = aggregate(&rows, &[Dimension::Pid]);
        assert_eq!(by_pid.len(), 2);
        assert_eq!(by_pid[1].0.pid.as_deref(), Some("sms"));
        assert_eq!((by_pid[1].1.clicks, by_pid[1].1.installs_referrer), (15, 3));
        assert_eq!(totals(&rows).clicks, 19);
        assert_eq!(aggregate(&rows, &[]).len(), 1);
    }

    #[test]
    fn the_rate_is_attributed_installs_per_click() {
        let c = Counts {
            clicks: 4,
            installs_referrer: 1,
            installs_probabilistic: 1,
            organic_installs: 9,
            ..Counts::default()
        };
        assert_eq!(c.click_to_install_rate(), Some(0.5));
        assert_eq!(Counts::default().click_to_install_rate(), None);
    }

    #[test]
    fn group_by_lists_are_read_and_bad_names_refused() {
        assert_eq!(
            Dimension::parse_list("day,pid,day").unwrap(),
            vec![Dimension::Pid, Dimension::Day]
        );
        assert!(Dimension::parse_list("pid,country").is_err());
        assert_eq!(Dimension::parse_list("").unwrap(), vec![]);
    }

    #[test]
    fn times_are_read_as_dates_or_rfc3339() {
        assert_eq!(
            parse_time("from", "1970-01-02").unwrap().as_millis(),
            DAY_MS
        );
        assert_eq!(
            parse_time("from", "1970-01-01T00:00:01Z")
                .unwrap()
                .as_millis(),
            1000
        );
        assert!(parse_time("from", "yesterday").is_err());
        assert_eq!(day_label(20_779), "2026-11-22");
    }
}
