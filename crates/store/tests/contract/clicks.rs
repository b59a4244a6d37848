//! Contracts of click recording and of the reads the redirect host makes:
//! templates by id, subdomain and brand domain, apps by id, server secrets.

use std::collections::BTreeMap;
use std::sync::Arc;

use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;
use waylink_store::{CandidateQuery, StatsQuery, Store};

use crate::support::*;

fn click(id: &str, template: &TemplateId, shortlink: Option<&str>, at: Timestamp) -> Click {
    let data: BTreeMap<String, String> = [("pid", "sms"), ("c", "bananas & pears = 100%")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Click {
        click_id: id.to_owned(),
        at,
        template_id: template.clone(),
        shortlink_id: shortlink.map(str::to_owned),
        data,
        device: DeviceKind::Android,
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
        referer: Some("https://mail.example/".into()),
        advertising_id: Some("38400000-8cf0-11bd-b23e-10b96e40000d".into()),
        ip_hash: Some("ab".repeat(32)),
        expired: false,
    }
}

pub async fn recorded_clicks_are_read_back_whole_and_oldest_first(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let later = click("click-b", &t, Some("bananas7"), at(2 * SECOND));
    let mut earlier = click("click-a", &t, None, at(SECOND));
    earlier.device = DeviceKind::Ios;
    earlier.os_version = None;
    earlier.device_model = None;
    earlier.referer = None;
    earlier.advertising_id = None;
    earlier.ip_hash = None;
    earlier.expired = true;
    store
        .record_clicks(&[later.clone(), earlier.clone()])
        .await
        .expect("clicks are stored");
    let stored = store
        .list_clicks(&t, T0, 10)
        .await
        .expect("clicks are listed");
    assert_eq!(stored, vec![earlier, later]);
}

pub async fn a_retried_batch_stores_each_click_once(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let batch = vec![click("c1", &t, None, at(0)), click("c2", &t, None, at(1))];
    store.record_clicks(&batch).await.expect("first write");
    store
        .record_clicks(&batch)
        .await
        .expect("the retry is harmless");
    assert_eq!(
        store.list_clicks(&t, T0, 10).await.expect("listed").len(),
        2
    );
}

pub async fn clicks_are_listed_per_template_from_a_time_on(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let other = tid("Other1");
    store
        .record_clicks(&[
            click("old", &t, None, at(0)),
            click("new", &t, None, at(HOUR)),
            click("elsewhere", &other, None, at(HOUR)),
        ])
        .await
        .expect("stored");
    let ids: Vec<String> = store
        .list_clicks(&t, at(HOUR), 10)
        .await
        .expect("listed")
        .into_iter()
        .map(|c| c.click_id)
        .collect();
    assert_eq!(ids, vec!["new"]);
}

pub async fn a_click_renews_the_live_link_it_was_on(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    given_link(&store, &link(&t, "renews", &[], DAY, T0)).await;
    let mut on_expired = click("gone", &t, Some("renews"), at(2 * HOUR));
    on_expired.expired = true;
    store.record_clicks(&[on_expired]).await.expect("stored");
    let link_now = store
        .get_link(&t, &sid("renews"), at(2 * HOUR))
        .await
        .expect("read")
        .expect("live");
    assert_eq!(
        link_now.expires_at,
        at(DAY),
        "a click flagged expired renews nothing"
    );
    store
        .record_clicks(&[click("live", &t, Some("renews"), at(HOUR))])
        .await
        .expect("stored");
    let link_now = store
        .get_link(&t, &sid("renews"), at(2 * HOUR))
        .await
        .expect("read")
        .expect("live");
    assert_eq!(link_now.expires_at, at(HOUR + DAY));
}

pub async fn a_batch_of_clicks_on_two_links_renews_each_to_its_last_click(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    given_link(&store, &link(&t, "one", &[], DAY, T0)).await;
    given_link(&store, &link(&t, "two", &[], DAY, T0)).await;
    let batch = [
        click("c3", &t, Some("one"), at(3 * HOUR)),
        click("c1", &t, Some("one"), at(HOUR)),
        click("c2", &t, Some("two"), at(2 * HOUR)),
        click("c4", &t, Some("one"), at(2 * HOUR)),
        click("c5", &t, None, at(4 * HOUR)),
    ];
    store.record_clicks(&batch).await.expect("stored");
    for (id, expiry) in [("one", at(3 * HOUR + DAY)), ("two", at(2 * HOUR + DAY))] {
        let now = store
            .get_link(&t, &sid(id), at(4 * HOUR))
            .await
            .expect("read");
        assert_eq!(now.expect("live").expires_at, expiry, "{id}");
    }
    let stored = store
        .list_clicks(&t, Timestamp::from_millis(0), 10)
        .await
        .expect("listed");
    assert_eq!(stored.len(), 5);
}

pub async fn the_purge_deletes_clicks_older_than_31_days(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    store
        .record_clicks(&[
            click("kept", &t, None, at(DAY)),
            click("purged", &t, None, at(0)),
        ])
        .await
        .expect("stored");
    store.purge_expired(at(31 * DAY + 1)).await.expect("purged");
    let ids: Vec<String> = store
        .list_clicks(&t, Timestamp::from_millis(0), 10)
        .await
        .expect("listed")
        .into_iter()
        .map(|c| c.click_id)
        .collect();
    assert_eq!(ids, vec!["kept"]);
}

pub async fn templates_are_found_by_id_subdomain_and_brand_domain_across_accounts(
    store: Arc<dyn Store>,
) {
    given_account(&store, "acc_a").await;
    let mut first = template("Brand1", "brand1");
    first.brand_domains = vec!["go.brand.example".into()];
    given_template(&store, "acc_a", &first, T0).await;
    let mut second = template("Brand2", "brand2");
    second.brand_domains = vec!["go.brand.example".into(), "other.example:8443".into()];
    given_template(&store, "acc_a", &second, at(SECOND)).await;

    assert_eq!(
        store.find_template("Brand2").await.expect("read"),
        Some(second.clone())
    );
    assert_eq!(
        store.find_template("brand2").await.expect("read"),
        None,
        "ids are case-sensitive"
    );
    assert_eq!(
        store.template_by_subdomain("brand1").await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store.template_by_subdomain("nobody").await.expect("read"),
        None
    );
    assert_eq!(
        store
            .templates_by_brand_domain("go.brand.example")
            .await
            .expect("read"),
        vec![first, second.clone()]
    );
    assert_eq!(
        store
            .templates_by_brand_domain("other.example:8443")
            .await
            .expect("read"),
        vec![second]
    );
    assert!(
        store
            .templates_by_brand_domain("other.example")
            .await
            .expect("read")
            .is_empty()
    );
}

pub async fn apps_are_found_by_id_across_accounts_skipping_unknown_ones(store: Arc<dyn Store>) {
    given_account(&store, "acc_a").await;
    given_account(&store, "acc_b").await;
    given_app(&store, "acc_a", &android_app("com.a.app"), T0).await;
    given_app(&store, "acc_b", &ios_app("id42"), T0).await;
    let found = store
        .apps_by_ids(&["id42".into(), "com.nobody.app".into(), "com.a.app".into()])
        .await
        .expect("read");
    assert_eq!(found, vec![ios_app("id42"), android_app("com.a.app")]);
}

pub async fn a_server_secret_is_made_once_and_kept(store: Arc<dyn Store>) {
    let first = store
        .server_secret("ip_hash_key", "candidate-1")
        .await
        .expect("made");
    let second = store
        .server_secret("ip_hash_key", "candidate-2")
        .await
        .expect("read");
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("candidate-1", "candidate-1")
    );
    assert_eq!(store.server_secret("other", "x").await.expect("made"), "x");
}

pub async fn clicks_with_nul_characters_are_stored_and_found_whole(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    // What a visitor can send: `/Links1/x%00y?pid=p%00&c=%00&gaid=ad%00`.
    let mut odd = click("odd", &t, Some("x\0y"), at(SECOND));
    odd.data = [("pid", "p\0"), ("c", "\0"), ("gaid", "ad\0")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    odd.advertising_id = Some("ad\0".into());
    store
        .record_clicks(&[odd.clone(), click("plain", &t, None, at(2 * SECOND))])
        .await
        .expect("the batch is stored whole");

    let stored = store.list_clicks(&t, T0, 10).await.expect("listed");
    assert_eq!(stored.first(), Some(&odd));
    let found = store
        .attribution_candidates(&CandidateQuery {
            click_id: Some("odd".into()),
            advertising_id: Some("ad\0".into()),
            ip_hash: None,
            platform: DeviceKind::Android,
            at: at(HOUR),
            limit: 10,
        })
        .await
        .expect("candidates");
    assert_eq!(found.referrer, vec![odd.clone()]);
    assert_eq!(found.advertising_id, vec![odd]);
    let rows = store
        .stats_rows(&StatsQuery {
            template_id: t.clone(),
            shortlink_id: Some("x\0y".into()),
            app_ids: Vec::new(),
            from: T0,
            to: at(DAY),
        })
        .await
        .expect("stats");
    let groups: Vec<(Option<&str>, Option<&str>, u64)> = rows
        .iter()
        .map(|(g, c)| (g.pid.as_deref(), g.campaign.as_deref(), c.clicks))
        .collect();
    assert_eq!(groups, vec![(Some("p\0"), Some("\0"), 1)]);
    assert_eq!(store.find_template("Links1\0").await.expect("read"), None);
    assert_eq!(store.get_account("acc_links\0").await.expect("read"), None);
}

pub async fn a_reachable_store_answers_the_ping(store: Arc<dyn Store>) {
    store.ping().await.expect("the store answers");
}

pub async fn a_lease_is_held_by_one_holder_until_it_runs_out(store: Arc<dyn Store>) {
    assert!(
        store
            .try_lease("purge", "node-a", T0, MINUTE)
            .await
            .expect("leased")
    );
    assert!(
        !store
            .try_lease("purge", "node-b", at(SECOND), MINUTE)
            .await
            .expect("asked"),
        "node-a holds it"
    );
    assert!(
        store
            .try_lease("purge", "node-a", at(30 * SECOND), MINUTE)
            .await
            .expect("renewed"),
        "the holder renews"
    );
    assert!(
        !store
            .try_lease("purge", "node-b", at(MINUTE), MINUTE)
            .await
            .expect("asked"),
        "renewed until 1m30s"
    );
    assert!(
        store
            .try_lease("purge", "node-b", at(90 * SECOND), MINUTE)
            .await
            .expect("taken over"),
        "ran out"
    );
    assert!(
        !store
            .try_lease("purge", "node-a", at(91 * SECOND), MINUTE)
            .await
            .expect("asked")
    );
    assert!(
        store
            .try_lease("other", "node-a", at(91 * SECOND), MINUTE)
            .await
            .expect("leased"),
        "leases are per name"
    );
}
