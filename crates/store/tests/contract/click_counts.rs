//! Contracts of the daily click counters: statistics read them for the
//! whole UTC days of a range and the raw clicks for the partial days at
//! its edges, and must count exactly what counting the raw clicks counts,
//! also after the raw clicks are purged.

use std::sync::Arc;

use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::stats::{Counts, Dimension, Group, aggregate};
use waylink_core::user_agent::DeviceKind;
use waylink_store::{StatsQuery, Store};

use crate::installs::{click, pairs};
use crate::support::*;

/// A click on `template` at `at`, on the short link `link`, with `data`.
fn clicked(
    id: &str,
    template: &TemplateId,
    at: Timestamp,
    link: Option<&str>,
    data: &[(&str, &str)],
) -> Click {
    Click {
        shortlink_id: link.map(str::to_owned),
        data: pairs(data),
        ..click(id, template, at)
    }
}

fn query(t: &TemplateId, link: Option<&str>, from: Timestamp, to: Timestamp) -> StatsQuery {
    StatsQuery {
        template_id: t.clone(),
        shortlink_id: link.map(str::to_owned),
        app_ids: Vec::new(),
        from,
        to,
    }
}

/// The click counts of the range, summed per full group whatever way the
/// backend split them; groups without clicks are left out.
async fn clicks_of(store: &Arc<dyn Store>, q: &StatsQuery) -> Vec<(Group, Counts)> {
    let rows = store.stats_rows(q).await.expect("stats");
    let all = [
        Dimension::Pid,
        Dimension::Campaign,
        Dimension::Platform,
        Dimension::Day,
    ];
    aggregate(&rows, &all)
        .into_iter()
        .filter(|(_, c)| c.clicks > 0)
        .map(|(g, c)| {
            let counts = Counts {
                clicks: c.clicks,
                expired_clicks: c.expired_clicks,
                ..Counts::default()
            };
            (g, counts)
        })
        .collect()
}

/// The click counts of the UTC days starting at `first`, read from the raw
/// clicks only: each day is asked for as two ranges that are not whole
/// days (its first millisecond, then the rest).
async fn raw_clicks_of(
    store: &Arc<dyn Store>,
    t: &TemplateId,
    link: Option<&str>,
    first: Timestamp,
    days: i64,
) -> Vec<(Group, Counts)> {
    let mut rows = Vec::new();
    for d in 0..days {
        let day = first.plus_millis(d * DAY);
        for (from, to) in [
            (day, day.plus_millis(1)),
            (day.plus_millis(1), day.plus_millis(DAY)),
        ] {
            rows.extend(clicks_of(store, &query(t, link, from, to)).await);
        }
    }
    aggregate(
        &rows,
        &[
            Dimension::Pid,
            Dimension::Campaign,
            Dimension::Platform,
            Dimension::Day,
        ],
    )
}

fn group(pid: Option<&str>, c: Option<&str>, platform: &str, day: Timestamp) -> Group {
    Group {
        pid: pid.map(str::to_owned),
        campaign: c.map(str::to_owned),
        platform: Some(platform.to_owned()),
        day: Some(day.utc_day()),
    }
}

fn counted(clicks: u64, expired_clicks: u64) -> Counts {
    Counts {
        clicks,
        expired_clicks,
        ..Counts::default()
    }
}

/// Sixty clicks over three days from `MIDNIGHT`, with every mix of short
/// link (or none), pid and campaign (absent, empty, set) and platform, a
/// fifth of them on gone links, recorded in batches of seven; and clicks
/// of another template.
async fn given_three_days_of_clicks(store: &Arc<dyn Store>) -> TemplateId {
    let t = tid("Links1");
    let links = [Some("bananas7"), Some("apples1"), None];
    let pids = [None, Some(""), Some("sms"), Some("email")];
    let campaigns = [None, Some(""), Some("bananas")];
    let devices = [DeviceKind::Android, DeviceKind::Ios, DeviceKind::Desktop];
    let clicks: Vec<Click> = (0..60usize)
        .map(|i| {
            let mut data = Vec::new();
            if let Some(pid) = pids[i % 4] {
                data.push(("pid", pid));
            }
            if let Some(c) = campaigns[(i / 2) % 3] {
                data.push(("c", c));
            }
            let at = MIDNIGHT.plus_millis(i as i64 * 71 * MINUTE + i as i64);
            Click {
                device: devices[(i / 3) % 3],
                expired: i % 5 == 0,
                ..clicked(&format!("k{i}"), &t, at, links[(i / 4) % 3], &data)
            }
        })
        .collect();
    for batch in clicks.chunks(7) {
        store.record_clicks(batch).await.expect("clicks");
    }
    let other = tid("Other1");
    let noise = [clicked("n1", &other, at(1), Some("bananas7"), &[])];
    store.record_clicks(&noise).await.expect("clicks");
    t
}

pub async fn counters_give_the_same_statistics_as_the_raw_clicks_for_whole_days(
    store: Arc<dyn Store>,
) {
    let t = given_three_days_of_clicks(&store).await;
    let end = MIDNIGHT.plus_millis(3 * DAY);
    let whole = clicks_of(&store, &query(&t, None, MIDNIGHT, end)).await;
    let raw = raw_clicks_of(&store, &t, None, MIDNIGHT, 3).await;
    assert_eq!(whole, raw);
    let total = waylink_core::stats::totals(&whole);
    assert_eq!((total.clicks, total.expired_clicks), (60, 12));
    assert!(whole.len() > 20, "{} groups", whole.len());
    for link in [Some("bananas7"), Some("apples1"), Some("nothing")] {
        let whole = clicks_of(&store, &query(&t, link, MIDNIGHT, end)).await;
        assert_eq!(whole, raw_clicks_of(&store, &t, link, MIDNIGHT, 3).await);
    }
    let day2 = MIDNIGHT.plus_millis(DAY);
    let one_day = clicks_of(&store, &query(&t, None, day2, day2.plus_millis(DAY))).await;
    assert_eq!(one_day, raw_clicks_of(&store, &t, None, day2, 1).await);
    assert!(!one_day.is_empty());
}

pub async fn a_range_with_partial_days_at_both_ends_counts_exactly_the_clicks_inside_it(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let (d1, d2, d3) = (
        MIDNIGHT,
        MIDNIGHT.plus_millis(DAY),
        MIDNIGHT.plus_millis(2 * DAY),
    );
    let sms = [("pid", "sms"), ("c", "bananas")];
    let times = [
        d1.plus_millis(10 * HOUR),
        d1.plus_millis(12 * HOUR),
        d2.plus_millis(-1),
        d2,
        d2.plus_millis(12 * HOUR),
        d3,
        d3.plus_millis(6 * HOUR - 1),
        d3.plus_millis(6 * HOUR),
        d3.plus_millis(7 * HOUR),
    ];
    let clicks: Vec<Click> = times
        .iter()
        .enumerate()
        .map(|(i, at)| clicked(&format!("e{i}"), &t, *at, Some("bananas7"), &sms))
        .collect();
    store.record_clicks(&clicks).await.expect("clicks");
    let (from, to) = (d1.plus_millis(12 * HOUR), d3.plus_millis(6 * HOUR));
    let expected = vec![
        (
            group(Some("sms"), Some("bananas"), "android", d1),
            counted(2, 0),
        ),
        (
            group(Some("sms"), Some("bananas"), "android", d2),
            counted(2, 0),
        ),
        (
            group(Some("sms"), Some("bananas"), "android", d3),
            counted(2, 0),
        ),
    ];
    assert_eq!(
        clicks_of(&store, &query(&t, None, from, to)).await,
        expected
    );
    assert_eq!(
        clicks_of(&store, &query(&t, Some("bananas7"), from, to)).await,
        expected
    );
    let narrower = query(&t, None, from.plus_millis(1), to.plus_millis(-1));
    let counts: Vec<u64> = clicks_of(&store, &narrower)
        .await
        .iter()
        .map(|(_, c)| c.clicks)
        .collect();
    assert_eq!(counts, vec![1, 2, 1]);
}

pub async fn statistics_of_a_day_whose_raw_clicks_were_purged_still_count_its_clicks(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let sms = [("pid", "sms"), ("c", "bananas")];
    let mut gone = clicked("p3", &t, at(2), Some("gone1"), &[]);
    gone.expired = true;
    let clicks = vec![
        clicked("p1", &t, at(0), Some("bananas7"), &sms),
        clicked("p2", &t, at(DAY), Some("bananas7"), &sms),
        gone,
    ];
    store.record_clicks(&clicks).await.expect("clicks");
    let (from, to) = (MIDNIGHT, MIDNIGHT.plus_millis(2 * DAY));
    let before = clicks_of(&store, &query(&t, None, from, to)).await;
    store.purge_expired(at(40 * DAY)).await.expect("purge");
    let left = store.list_clicks(&t, from, 100).await.expect("clicks");
    assert_eq!(left, Vec::new(), "the raw clicks are purged");
    let after = clicks_of(&store, &query(&t, None, from, to)).await;
    assert_eq!(after, before);
    assert_eq!(
        after,
        vec![
            (group(None, None, "android", T0), counted(1, 1)),
            (
                group(Some("sms"), Some("bananas"), "android", T0),
                counted(1, 0)
            ),
            (
                group(Some("sms"), Some("bananas"), "android", T0.plus_millis(DAY)),
                counted(1, 0)
            ),
        ]
    );
    let link = clicks_of(&store, &query(&t, Some("gone1"), from, to)).await;
    assert_eq!(
        link,
        vec![(group(None, None, "android", T0), counted(1, 1))]
    );
}

pub async fn a_batch_recorded_twice_counts_each_click_once(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let sms = [("pid", "sms"), ("c", "bananas")];
    let batch: Vec<Click> = (0..5)
        .map(|i| {
            let mut c = clicked(&format!("r{i}"), &t, at(i), Some("bananas7"), &sms);
            c.expired = i == 4;
            c
        })
        .collect();
    store.record_clicks(&batch).await.expect("clicks");
    store
        .record_clicks(&batch)
        .await
        .expect("the same batch again");
    // Three clicks stored already and two new ones.
    let mut overlapping = batch[2..].to_vec();
    overlapping
        .extend((5..7).map(|i| clicked(&format!("r{i}"), &t, at(i), Some("bananas7"), &sms)));
    store
        .record_clicks(&overlapping)
        .await
        .expect("an overlapping batch");
    // One new click twice in one batch.
    let twice = clicked("r7", &t, at(7), Some("bananas7"), &sms);
    store
        .record_clicks(&[twice.clone(), twice])
        .await
        .expect("a batch with a click twice");
    let (from, to) = (MIDNIGHT, MIDNIGHT.plus_millis(DAY));
    let expected = vec![(
        group(Some("sms"), Some("bananas"), "android", T0),
        counted(8, 1),
    )];
    assert_eq!(
        clicks_of(&store, &query(&t, None, from, to)).await,
        expected
    );
    assert_eq!(raw_clicks_of(&store, &t, None, from, 1).await, expected);
}

/// Clicks of one day with every mix of an absent, empty or set pid and
/// campaign, on a link, on no link and on a link with an empty id.
async fn given_absent_and_empty_values(store: &Arc<dyn Store>) -> TemplateId {
    let t = tid("Links1");
    let clicks = vec![
        clicked("v1", &t, at(1), Some("bananas7"), &[]),
        clicked("v2", &t, at(2), None, &[]),
        clicked("v3", &t, at(3), Some("bananas7"), &[("pid", ""), ("c", "")]),
        clicked("v4", &t, at(4), Some(""), &[("pid", "")]),
        clicked("v5", &t, at(5), None, &[("c", "")]),
        clicked("v6", &t, at(6), Some("bananas7"), &[("pid", "sms")]),
        clicked("v7", &t, at(7), None, &[("c", "x")]),
        clicked(
            "v8",
            &t,
            at(8),
            Some("bananas7"),
            &[("pid", ""), ("c", "x")],
        ),
    ];
    store.record_clicks(&clicks).await.expect("clicks");
    t
}

pub async fn absent_pids_and_campaigns_stay_apart_from_empty_ones(store: Arc<dyn Store>) {
    let t = given_absent_and_empty_values(&store).await;
    let one = counted(1, 0);
    let g = |pid, c| group(pid, c, "android", T0);
    let expected = vec![
        (g(None, None), counted(2, 0)),
        (g(None, Some("")), one),
        (g(None, Some("x")), one),
        (g(Some(""), None), one),
        (g(Some(""), Some("")), one),
        (g(Some(""), Some("x")), one),
        (g(Some("sms"), None), one),
    ];
    let (from, to) = (MIDNIGHT, MIDNIGHT.plus_millis(DAY));
    assert_eq!(
        clicks_of(&store, &query(&t, None, from, to)).await,
        expected
    );
    assert_eq!(raw_clicks_of(&store, &t, None, from, 1).await, expected);
    // A click on no link is no click on the link with an empty id.
    let empty_link = vec![(g(Some(""), None), one)];
    assert_eq!(
        clicks_of(&store, &query(&t, Some(""), from, to)).await,
        empty_link
    );
    assert_eq!(
        raw_clicks_of(&store, &t, Some(""), from, 1).await,
        empty_link
    );
    let link = clicks_of(&store, &query(&t, Some("bananas7"), from, to)).await;
    assert_eq!(
        link,
        vec![
            (g(None, None), one),
            (g(Some(""), Some("")), one),
            (g(Some(""), Some("x")), one),
            (g(Some("sms"), None), one),
        ]
    );
}

pub async fn pids_campaigns_and_links_with_nul_and_control_characters_are_counted_exactly(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let odd_link = "s\0\u{1}";
    let clicks = vec![
        clicked(
            "z1",
            &t,
            at(1),
            Some(odd_link),
            &[("pid", "a\0b"), ("c", "\u{1}x")],
        ),
        clicked(
            "z2",
            &t,
            at(2),
            Some(odd_link),
            &[("pid", "a\0b"), ("c", "\u{1}x")],
        ),
        clicked(
            "z3",
            &t,
            at(3),
            Some("bananas7"),
            &[("pid", "\u{1}"), ("c", "\0")],
        ),
        clicked("z4", &t, at(4), Some("bananas7"), &[("pid", "a")]),
    ];
    store.record_clicks(&clicks).await.expect("clicks");
    let g = |pid, c| group(pid, c, "android", T0);
    let expected = vec![
        (g(Some("\u{1}"), Some("\0")), counted(1, 0)),
        (g(Some("a"), None), counted(1, 0)),
        (g(Some("a\0b"), Some("\u{1}x")), counted(2, 0)),
    ];
    let (from, to) = (MIDNIGHT, MIDNIGHT.plus_millis(DAY));
    assert_eq!(
        clicks_of(&store, &query(&t, None, from, to)).await,
        expected
    );
    assert_eq!(raw_clicks_of(&store, &t, None, from, 1).await, expected);
    assert_eq!(
        clicks_of(&store, &query(&t, Some(odd_link), from, to)).await,
        vec![(g(Some("a\0b"), Some("\u{1}x")), counted(2, 0))]
    );
}
