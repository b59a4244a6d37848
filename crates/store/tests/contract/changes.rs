//! The change log the nodes' caches poll: what appends to it, and what a
//! read answers.

use std::sync::Arc;

use waylink_core::ttl::Ttl;
use waylink_store::{Changed, LinkUpdate, Store};

use crate::support::{
    DAY, T0, data, given_a_template, given_account, given_link, given_template, link, sid, template,
};

/// Everything logged from just before now on, as (what) in log order.
async fn logged_since(store: &Arc<dyn Store>, mark: i64) -> Vec<Changed> {
    let batch = store.changes_since(Some(mark)).await.unwrap();
    batch.changes.into_iter().map(|c| c.what).collect()
}

/// A time after everything the test did so far and before everything it
/// does next, by the database's clock: its clock is read until it has
/// moved on by a millisecond, so that nothing written next shares it.
async fn mark(store: &Arc<dyn Store>) -> i64 {
    let first = store.changes_since(None).await.unwrap();
    assert!(
        first.changes.is_empty(),
        "a read without a time answers no rows"
    );
    while store.changes_since(None).await.unwrap().now <= first.now {
        tokio::task::yield_now().await;
    }
    first.now
}

pub async fn updates_and_deletes_of_links_are_logged_and_creates_are_not(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let start = mark(&store).await;
    let l = link(&t, "bananas7", &[("pid", "sms")], DAY, T0);
    given_link(&store, &l).await;
    assert_eq!(logged_since(&store, start).await, Vec::new());

    let update = LinkUpdate {
        data: data(&[("pid", "email")]),
        ttl: Ttl::from_stored_seconds(3_600),
        renew_ttl: None,
        brand_domain: None,
    };
    let updated = store.update_link(&t, &sid("bananas7"), &update, T0).await;
    assert!(updated.unwrap().is_some());
    assert!(store.delete_link(&t, &sid("bananas7"), T0).await.unwrap());

    let changed = Changed::Link(t.clone(), sid("bananas7"));
    assert_eq!(
        logged_since(&store, start).await,
        vec![changed.clone(), changed]
    );
}

pub async fn writes_that_change_nothing_are_not_logged(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let start = mark(&store).await;
    let update = LinkUpdate {
        data: data(&[]),
        ttl: Ttl::from_stored_seconds(60),
        renew_ttl: None,
        brand_domain: None,
    };
    assert_eq!(
        store
            .update_link(&t, &sid("missing"), &update, T0)
            .await
            .unwrap(),
        None
    );
    assert!(!store.delete_link(&t, &sid("missing"), T0).await.unwrap());
    assert!(!store.delete_template("acc_links", "Nope1").await.unwrap());
    assert_eq!(logged_since(&store, start).await, Vec::new());
}

pub async fn template_creates_updates_and_deletes_are_logged(store: Arc<dyn Store>) {
    given_account(&store, "acc_t").await;
    let start = mark(&store).await;
    let mut t = template("Chg1", "chg1");
    given_template(&store, "acc_t", &t, T0).await;
    t.desktop_url = Some("https://feedme.example/".into());
    assert!(store.update_template("acc_t", &t).await.unwrap());
    assert!(store.delete_template("acc_t", "Chg1").await.unwrap());

    let changed = Changed::Template(t.id.clone());
    assert_eq!(
        logged_since(&store, start).await,
        vec![
            changed.clone(),
            changed,
            Changed::TemplateDeleted(t.id.clone())
        ]
    );
}

pub async fn a_read_answers_only_rows_after_the_time_asked_with_distinct_ids(
    store: Arc<dyn Store>,
) {
    let t = given_a_template(&store).await;
    let start = mark(&store).await;
    for id in ["one", "two", "three"] {
        given_link(&store, &link(&t, id, &[], DAY, T0)).await;
        assert!(store.delete_link(&t, &sid(id), T0).await.unwrap());
    }
    let batch = store.changes_since(Some(start)).await.unwrap();
    assert_eq!(batch.changes.len(), 3);
    let mut ids: Vec<i64> = batch.changes.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each row has an id of its own");
    assert!(batch.changes.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(
        batch
            .changes
            .iter()
            .all(|c| c.at > start && c.at <= batch.now)
    );

    // Asking from the last row's time on answers nothing older.
    let last = batch.changes.last().unwrap().at;
    let later = store.changes_since(Some(last)).await.unwrap();
    assert!(later.changes.iter().all(|c| c.at > last));

    // The purge keeps rows younger than an hour.
    store.purge_expired(T0).await.unwrap();
    assert_eq!(logged_since(&store, start).await.len(), 3);
}
