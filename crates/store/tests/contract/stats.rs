//! Contracts of the statistics rows: clicks, installs and re-engagements
//! counted by pid, campaign, platform and day, per short link and over a
//! half-open range.

use std::collections::BTreeMap;
use std::sync::Arc;

use waylink_core::attribution::{Attribution, MatchType};
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::install::{Install, Reengagement};
use waylink_core::stats::{Counts, Dimension, Group, aggregate};
use waylink_core::user_agent::DeviceKind;
use waylink_store::{StatsQuery, Store};

use crate::installs::{click, install, non_organic, pairs};
use crate::support::*;

/// The statistics rows, summed per full group whatever way the backend
/// split them.
async fn stats(store: &Arc<dyn Store>, q: &StatsQuery) -> Vec<(Group, Counts)> {
    let rows = store.stats_rows(q).await.expect("stats");
    for (group, _) in &rows {
        assert!(group.platform.is_some() && group.day.is_some(), "{group:?}");
    }
    let all = [
        Dimension::Pid,
        Dimension::Campaign,
        Dimension::Platform,
        Dimension::Day,
    ];
    aggregate(&rows, &all)
}

fn group(pid: Option<&str>, c: Option<&str>, platform: &str, day: Timestamp) -> Group {
    Group {
        pid: pid.map(str::to_owned),
        campaign: c.map(str::to_owned),
        platform: Some(platform.to_owned()),
        day: Some(day.utc_day()),
    }
}

fn stats_query(
    t: &TemplateId,
    shortlink: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> StatsQuery {
    StatsQuery {
        template_id: t.clone(),
        shortlink_id: shortlink.map(str::to_owned),
        app_ids: vec!["com.feedme.app".into(), "id123456".into()],
        from,
        to,
    }
}

/// Two days of clicks, installs and re-engagements on `Links1` (and noise
/// on `Other1`): the day of `T0` and the next.
async fn given_two_days(store: &Arc<dyn Store>) -> TemplateId {
    let t = tid("Links1");
    let other = tid("Other1");
    let next = DAY;
    let mut clicks = vec![
        click("a1", &t, at(0)),
        click("a2", &t, at(1)),
        click("a3", &t, at(next)),
        click("noise", &other, at(2)),
    ];
    let mut ios = click("i1", &t, at(3));
    ios.device = DeviceKind::Ios;
    ios.shortlink_id = Some("apples1".into());
    ios.data = pairs(&[("pid", "email"), ("c", "apples")]);
    let mut gone = click("gone", &t, at(4));
    gone.shortlink_id = Some("gone1".into());
    gone.expired = true;
    let mut bare = click("bare", &t, at(5));
    bare.device = DeviceKind::Desktop;
    bare.shortlink_id = None;
    bare.data = BTreeMap::new();
    clicks.extend([ios.clone(), gone, bare]);
    store.record_clicks(&clicks).await.expect("clicks");
    let installs = [
        install(
            "com.feedme.app",
            "d1",
            at(HOUR),
            non_organic(&clicks[0], MatchType::Referrer),
        ),
        install(
            "com.feedme.app",
            "d2",
            at(HOUR),
            non_organic(&clicks[1], MatchType::IdMatching),
        ),
        install(
            "com.feedme.app",
            "d3",
            at(next + HOUR),
            non_organic(&clicks[2], MatchType::Probabilistic),
        ),
        install("com.feedme.app", "d4", at(2 * HOUR), Attribution::Organic),
        install(
            "com.other.app",
            "d5",
            at(2 * HOUR),
            non_organic(&clicks[3], MatchType::Referrer),
        ),
        install("com.other.app", "d6", at(2 * HOUR), Attribution::Organic),
        Install {
            platform: DeviceKind::Ios,
            ..install("id123456", "d7", at(next), Attribution::Organic)
        },
    ];
    for i in &installs {
        assert!(store.create_install(i).await.expect("install"));
    }
    let reengagement =
        |device: &str, at: Timestamp, template: &TemplateId, sid: Option<&str>| Reengagement {
            app_id: "com.feedme.app".into(),
            device_id: device.into(),
            at,
            platform: DeviceKind::Android,
            template_id: template.clone(),
            shortlink_id: sid.map(str::to_owned),
            pid: Some("email".into()),
            campaign: Some("winback".into()),
        };
    for r in [
        reengagement("d1", at(next + 2 * HOUR), &t, Some("winback1")),
        reengagement("d1", at(next + 3 * HOUR), &t, Some("winback1")),
        reengagement("d2", at(next + 3 * HOUR), &t, None),
        reengagement("d2", at(3 * HOUR), &other, None),
    ] {
        store.record_reengagement(&r).await.expect("re-engagement");
    }
    t
}

pub async fn stats_rows_count_clicks_installs_and_reengagements_by_pid_campaign_platform_and_day(
    store: Arc<dyn Store>,
) {
    let t = given_two_days(&store).await;
    let rows = stats(
        &store,
        &stats_query(&t, None, MIDNIGHT, MIDNIGHT.plus_millis(2 * DAY)),
    )
    .await;
    let day2 = T0.plus_millis(DAY);
    let expected = vec![
        (
            group(None, None, "android", T0),
            Counts {
                organic_installs: 1,
                ..Counts::default()
            },
        ),
        (
            group(None, None, "desktop", T0),
            Counts {
                clicks: 1,
                ..Counts::default()
            },
        ),
        (
            group(None, None, "ios", day2),
            Counts {
                organic_installs: 1,
                ..Counts::default()
            },
        ),
        (
            group(Some("email"), Some("apples"), "ios", T0),
            Counts {
                clicks: 1,
                ..Counts::default()
            },
        ),
        (
            group(Some("email"), Some("winback"), "android", day2),
            Counts {
                reengagements: 3,
                ..Counts::default()
            },
        ),
        (
            group(Some("sms"), Some("bananas"), "android", T0),
            Counts {
                clicks: 3,
                expired_clicks: 1,
                installs_referrer: 1,
                installs_id_matching: 1,
                ..Counts::default()
            },
        ),
        (
            group(Some("sms"), Some("bananas"), "android", day2),
            Counts {
                clicks: 1,
                installs_probabilistic: 1,
                ..Counts::default()
            },
        ),
    ];
    assert_eq!(rows, expected);
}

pub async fn stats_rows_of_one_short_link_leave_out_other_links_and_organic_installs(
    store: Arc<dyn Store>,
) {
    let t = given_two_days(&store).await;
    let to = MIDNIGHT.plus_millis(2 * DAY);
    let rows = stats(&store, &stats_query(&t, Some("bananas7"), MIDNIGHT, to)).await;
    let expected = vec![
        (
            group(Some("sms"), Some("bananas"), "android", T0),
            Counts {
                clicks: 2,
                installs_referrer: 1,
                installs_id_matching: 1,
                ..Counts::default()
            },
        ),
        (
            group(Some("sms"), Some("bananas"), "android", T0.plus_millis(DAY)),
            Counts {
                clicks: 1,
                installs_probabilistic: 1,
                ..Counts::default()
            },
        ),
    ];
    assert_eq!(rows, expected);
    let rows = stats(&store, &stats_query(&t, Some("winback1"), MIDNIGHT, to)).await;
    assert_eq!(
        rows,
        vec![(
            group(
                Some("email"),
                Some("winback"),
                "android",
                T0.plus_millis(DAY)
            ),
            Counts {
                reengagements: 2,
                ..Counts::default()
            },
        )]
    );
    let rows = stats(&store, &stats_query(&t, Some("gone1"), MIDNIGHT, to)).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].1.clicks, rows[0].1.expired_clicks), (1, 1));
    let rows = stats(&store, &stats_query(&t, Some("nothing"), MIDNIGHT, to)).await;
    assert_eq!(rows, Vec::new());
}

pub async fn stats_rows_cover_the_range_from_inclusive_to_exclusive(store: Arc<dyn Store>) {
    let t = given_two_days(&store).await;
    let total = |rows: &[(Group, Counts)]| waylink_core::stats::totals(rows);
    // From the second click (at T0 + 1) to the first install (at T0 + 1h),
    // which is left out.
    let rows = stats(&store, &stats_query(&t, None, at(1), at(HOUR))).await;
    assert_eq!(
        total(&rows),
        Counts {
            clicks: 4,
            expired_clicks: 1,
            ..Counts::default()
        }
    );
    let rows = stats(&store, &stats_query(&t, None, at(HOUR), at(HOUR + 1))).await;
    assert_eq!(
        total(&rows),
        Counts {
            installs_referrer: 1,
            installs_id_matching: 1,
            ..Counts::default()
        }
    );
    let rows = stats(&store, &stats_query(&t, None, at(1), at(4))).await;
    assert_eq!(
        total(&rows),
        Counts {
            clicks: 2,
            ..Counts::default()
        }
    );
    let rows = stats(
        &store,
        &stats_query(&t, None, at(DAY + 2 * HOUR), at(DAY + 3 * HOUR)),
    )
    .await;
    assert_eq!(
        total(&rows),
        Counts {
            reengagements: 1,
            ..Counts::default()
        }
    );
    // The second day alone.
    let day2 = MIDNIGHT.plus_millis(DAY);
    let rows = stats(&store, &stats_query(&t, None, day2, day2.plus_millis(DAY))).await;
    assert_eq!(
        total(&rows),
        Counts {
            clicks: 1,
            installs_probabilistic: 1,
            organic_installs: 1,
            reengagements: 3,
            ..Counts::default()
        }
    );
    // Organic installs count for the apps asked for, and only those.
    let mut q = stats_query(&t, None, MIDNIGHT, day2.plus_millis(DAY));
    q.app_ids = vec!["com.other.app".into()];
    assert_eq!(total(&stats(&store, &q).await).organic_installs, 1);
    q.app_ids = Vec::new();
    assert_eq!(total(&stats(&store, &q).await).organic_installs, 0);
    let rows = stats(&store, &stats_query(&t, None, at(-DAY), MIDNIGHT)).await;
    assert_eq!(rows, Vec::new());
}
