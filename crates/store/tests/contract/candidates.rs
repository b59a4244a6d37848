//! Contracts of what an install is matched against: its app by the hash of
//! its SDK key, the templates that open the app, and the bounded lookups of
//! candidate clicks by referrer, advertising id and IP.

use std::sync::Arc;

use waylink_core::attribution::Candidates;
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;
use waylink_store::{CandidateQuery, Store};

use crate::installs::{AD, click, ip};
use crate::support::*;

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
