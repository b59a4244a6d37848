//! Contracts of attribution and statistics: apps by SDK key, the templates
//! of an app, the bounded candidate lookups of an install, installs kept
//! once per device, re-engagements, and the statistics rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use waylink_core::attribution::{Attribution, Candidates, Lookback, MatchType, click_lookback};
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::install::{Install, Reengagement};
use waylink_core::stats::{Counts, Dimension, Group, aggregate};
use waylink_core::user_agent::DeviceKind;
use waylink_store::{CandidateQuery, StatsQuery, Store};

use crate::support::*;

const AD: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";

fn ip() -> String {
    "ab".repeat(32)
}

fn pairs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An Android click on a short link of `template`, from [`ip`] with [`AD`].
fn click(id: &str, template: &TemplateId, at: Timestamp) -> Click {
    Click {
        click_id: id.to_owned(),
        at,
        template_id: template.clone(),
        shortlink_id: Some("bananas7".into()),
        data: pairs(&[
            ("pid", "sms"),
            ("c", "bananas"),
            ("deep_link_value", "bananas"),
        ]),
        device: DeviceKind::Android,
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
        referer: Some("https://mail.example/".into()),
        advertising_id: Some(AD.into()),
        ip_hash: Some(ip()),
        expired: false,
    }
}

fn ask(at: Timestamp, limit: usize) -> CandidateQuery {
    CandidateQuery {
        click_id: None,
        advertising_id: None,
        ip_hash: None,
        platform: DeviceKind::Android,
        at,
        limit,
    }
}

fn click_ids(clicks: &[Click]) -> Vec<&str> {
    clicks.iter().map(|c| c.click_id.as_str()).collect()
}

/// The click an install keeps: what payloads need, nothing to match on.
fn kept(c: &Click) -> Click {
    Click {
        os_version: None,
        device_model: None,
        advertising_id: None,
        ip_hash: None,
        expired: false,
        ..c.clone()
    }
}

fn non_organic(c: &Click, match_type: MatchType) -> Attribution {
    Attribution::NonOrganic {
        click: Box::new(kept(c)),
        match_type,
        lookback: click_lookback(&c.data),
    }
}

fn install(app_id: &str, device: &str, at: Timestamp, attribution: Attribution) -> Install {
    Install {
        app_id: app_id.to_owned(),
        device_id: device.to_owned(),
        platform: DeviceKind::Android,
        installed_at: at,
        attribution,
    }
}

pub async fn an_app_is_found_by_the_hash_of_its_sdk_key_with_its_account(store: Arc<dyn Store>) {
    given_account(&store, "acc_a").await;
    given_account(&store, "acc_b").await;
    let mut phone = android_app("com.feedme.app");
    phone.udl_window_secs = 600;
    given_app(&store, "acc_a", &phone, T0).await;
    given_app(&store, "acc_b", &ios_app("id123456"), T0).await;
    let found = store
        .app_by_sdk_key_hash(&key("wl_sdk_com.feedme.app").hash)
        .await
        .expect("read");
    assert_eq!(found, Some(("acc_a".to_owned(), phone)));
    let found = store
        .app_by_sdk_key_hash(&key("wl_sdk_id123456").hash)
        .await
        .expect("read");
    assert_eq!(found, Some(("acc_b".to_owned(), ios_app("id123456"))));
    for unknown in ["wl_sdk_nope", "wl_live_acc_a", "com.feedme.app"] {
        let found = store
            .app_by_sdk_key_hash(&key(unknown).hash)
            .await
            .expect("read");
        assert_eq!(found, None, "{unknown}");
    }
}

pub async fn the_templates_of_an_app_open_it_on_android_or_ios_in_any_account(
    store: Arc<dyn Store>,
) {
    given_account(&store, "acc_a").await;
    given_account(&store, "acc_b").await;
    given_app(&store, "acc_a", &android_app("com.feedme.app"), T0).await;
    given_app(&store, "acc_a", &ios_app("id123456"), T0).await;
    given_app(&store, "acc_b", &android_app("com.other.app"), T0).await;
    let mut both = template("Both1", "both1");
    both.android_app_id = Some("com.feedme.app".into());
    both.ios_app_id = Some("id123456".into());
    let mut ios_only = template("Ios1", "ios1");
    ios_only.android_app_id = None;
    ios_only.ios_app_id = Some("id123456".into());
    let mut foreign = template("Foreign1", "foreign1");
    foreign.android_app_id = Some("com.feedme.app".into());
    let mut unrelated = template("Other1", "other1");
    unrelated.android_app_id = Some("com.other.app".into());
    for (account, t) in [
        ("acc_a", &both),
        ("acc_a", &ios_only),
        ("acc_b", &foreign),
        ("acc_b", &unrelated),
    ] {
        store
            .create_template(account, t, T0)
            .await
            .expect("created");
    }
    let mut android = store
        .templates_of_app("com.feedme.app")
        .await
        .expect("read");
    android.sort();
    assert_eq!(android, vec![tid("Both1"), tid("Foreign1")]);
    let mut ios = store.templates_of_app("id123456").await.expect("read");
    ios.sort();
    assert_eq!(ios, vec![tid("Both1"), tid("Ios1")]);
    let none = store
        .templates_of_app("com.nobody.app")
        .await
        .expect("read");
    assert_eq!(none, Vec::<TemplateId>::new());
}

pub async fn the_referrer_candidate_is_the_click_the_referrer_names(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let named = click("named", &t, at(-HOUR));
    let mut other = click("other", &t, at(-MINUTE));
    other.shortlink_id = None;
    other.referer = None;
    store
        .record_clicks(&[named.clone(), other])
        .await
        .expect("stored");
    let mut q = ask(T0, 50);
    q.click_id = Some("named".into());
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(
        found,
        Candidates {
            referrer: vec![named],
            advertising_id: Vec::new(),
            ip: Vec::new(),
        }
    );
    q.click_id = Some("unknown".into());
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(found, Candidates::default());
    // No signal at all: nothing to look for.
    let found = store
        .attribution_candidates(&ask(T0, 50))
        .await
        .expect("read");
    assert_eq!(found, Candidates::default());
}

pub async fn advertising_id_candidates_are_the_latest_of_the_platform_within_30_days_newest_first(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let with = |id: &str, ms: i64, device: DeviceKind, ad: &str| {
        let mut c = click(id, &t, at(ms));
        c.device = device;
        c.advertising_id = Some(ad.to_owned());
        c.ip_hash = None;
        c
    };
    let a = DeviceKind::Android;
    let stored = [
        with("too-old", -30 * DAY - 1, a, AD),
        with("oldest", -30 * DAY, a, AD),
        with("days-ago", -12 * DAY, a, AD),
        with("hour-ago", -HOUR, a, AD),
        with("at-install", 0, a, AD),
        with("after-install", 1, a, AD),
        with("ios", -MINUTE, DeviceKind::Ios, AD),
        with("desktop", -MINUTE, DeviceKind::Desktop, AD),
        with("other-id", -MINUTE, a, "other-ad-id"),
    ];
    store.record_clicks(&stored).await.expect("stored");
    let mut q = ask(T0, 50);
    q.advertising_id = Some(AD.into());
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(
        click_ids(&found.advertising_id),
        ["at-install", "hour-ago", "days-ago", "oldest"]
    );
    assert_eq!(found.advertising_id[1], stored[3], "read back whole");
    assert!(found.referrer.is_empty() && found.ip.is_empty());
    q.limit = 2;
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(click_ids(&found.advertising_id), ["at-install", "hour-ago"]);
    q.platform = DeviceKind::Ios;
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(click_ids(&found.advertising_id), ["ios"]);
}

pub async fn ip_candidates_are_the_latest_of_the_platform_within_24_hours_newest_first(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let with = |id: &str, ms: i64, device: DeviceKind, hash: &str| {
        let mut c = click(id, &t, at(ms));
        c.device = device;
        c.advertising_id = None;
        c.ip_hash = Some(hash.to_owned());
        c
    };
    let a = DeviceKind::Android;
    let stored = [
        with("too-old", -24 * HOUR - 1, a, &ip()),
        with("oldest", -24 * HOUR, a, &ip()),
        with("hours-ago", -5 * HOUR, a, &ip()),
        with("second-ago", -SECOND, a, &ip()),
        with("at-install", 0, a, &ip()),
        with("after-install", 1, a, &ip()),
        with("ios", -MINUTE, DeviceKind::Ios, &ip()),
        with("other-ip", -MINUTE, a, &"cd".repeat(32)),
    ];
    store.record_clicks(&stored).await.expect("stored");
    let mut q = ask(T0, 50);
    q.ip_hash = Some(ip());
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(
        click_ids(&found.ip),
        ["at-install", "second-ago", "hours-ago", "oldest"]
    );
    assert_eq!(found.ip[2], stored[2], "read back whole");
    assert!(found.referrer.is_empty() && found.advertising_id.is_empty());
    q.limit = 3;
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(
        click_ids(&found.ip),
        ["at-install", "second-ago", "hours-ago"]
    );
    // The three lookups are made together, each on its own.
    q.click_id = Some("oldest".into());
    q.advertising_id = Some("no-such-id".into());
    q.limit = 1;
    let found = store.attribution_candidates(&q).await.expect("read");
    assert_eq!(click_ids(&found.referrer), ["oldest"]);
    assert!(found.advertising_id.is_empty());
    assert_eq!(click_ids(&found.ip), ["at-install"]);
}

pub async fn an_install_is_created_once_per_device_and_the_first_outcome_is_kept(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let first = install("com.feedme.app", "device-1", T0, Attribution::Organic);
    assert!(store.create_install(&first).await.expect("stored"));
    let c = click("c1", &t, at(-HOUR));
    let second = install(
        "com.feedme.app",
        "device-1",
        at(MINUTE),
        non_organic(&c, MatchType::Referrer),
    );
    assert!(!store.create_install(&second).await.expect("refused"));
    let read = store
        .get_install("com.feedme.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(first));
    // The same device id of another app is another install.
    let elsewhere = install(
        "com.other.app",
        "device-1",
        at(MINUTE),
        Attribution::Organic,
    );
    assert!(store.create_install(&elsewhere).await.expect("stored"));
    let read = store
        .get_install("com.other.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(elsewhere));
    let read = store
        .get_install("com.feedme.app", "device-2")
        .await
        .expect("read");
    assert_eq!(read, None);
}

pub async fn an_install_is_read_back_with_its_attribution(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let organic = install("com.feedme.app", "organic", at(1), Attribution::Organic);
    let mut long = click("long-click", &t, at(-2 * HOUR));
    long.shortlink_id = None;
    long.referer = None;
    long.data = pairs(&[
        ("pid", "email"),
        ("af_click_lookback", "12h"),
        ("fruit", "kiwi & lime"),
    ]);
    let short = click("short-click", &t, at(-DAY));
    let mut ios = install(
        "id123456",
        "iphone",
        at(3),
        non_organic(&long, MatchType::Probabilistic),
    );
    ios.platform = DeviceKind::Ios;
    if let Attribution::NonOrganic { click, .. } = &mut ios.attribution {
        click.device = DeviceKind::Ios;
    }
    let installs = [
        organic,
        install(
            "com.feedme.app",
            "by-referrer",
            at(2),
            non_organic(&short, MatchType::Referrer),
        ),
        install(
            "com.feedme.app",
            "by-id",
            at(2),
            non_organic(&short, MatchType::IdMatching),
        ),
        ios,
    ];
    for i in &installs {
        assert!(store.create_install(i).await.expect("stored"));
    }
    for i in &installs {
        let read = store
            .get_install(&i.app_id, &i.device_id)
            .await
            .expect("read");
        assert_eq!(read.as_ref(), Some(i));
    }
    let Attribution::NonOrganic { lookback, .. } = &installs[3].attribution else {
        panic!("non-organic");
    };
    assert_eq!(
        lookback,
        &Lookback {
            millis: 12 * HOUR,
            text: "12h".into()
        },
        "the link's own window"
    );
}

pub async fn touching_an_install_keeps_its_outcome_and_creates_none(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let c = click("c1", &t, at(-HOUR));
    let i = install(
        "com.feedme.app",
        "device-1",
        T0,
        non_organic(&c, MatchType::IdMatching),
    );
    assert!(store.create_install(&i).await.expect("stored"));
    store
        .touch_install("com.feedme.app", "device-1", at(DAY))
        .await
        .expect("touched");
    store
        .touch_install("com.feedme.app", "device-1", at(HOUR))
        .await
        .expect("touched, out of order");
    store
        .touch_install("com.feedme.app", "never-installed", at(DAY))
        .await
        .expect("a no-op");
    let read = store
        .get_install("com.feedme.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(i));
    let read = store
        .get_install("com.feedme.app", "never-installed")
        .await
        .expect("read");
    assert_eq!(read, None);
    let other = install(
        "com.feedme.app",
        "never-installed",
        at(DAY),
        Attribution::Organic,
    );
    assert!(store.create_install(&other).await.expect("still free"));
}

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
