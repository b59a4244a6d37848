//! One link at a time: create, read, update, delete, and ids freed by expiry.

use std::sync::Arc;

use waylink_core::link::Link;
use waylink_core::ttl::Ttl;
use waylink_store::{LinkUpdate, Store, StoreError};

use crate::support::{
    DAY, HOUR, ID_IN_USE, MINUTE, SECOND, T0, at, conflict, data, given_a_template, given_account,
    given_link, given_template, link, sid, template,
};

pub async fn a_created_link_is_read_back_whole(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let plain = link(
        &t,
        "bananas7",
        &[("pid", "sms"), ("c", "bananas")],
        14 * DAY,
        T0,
    );
    let branded = Link {
        brand_domain: Some("go.feedme.example".into()),
        renew_ttl: false,
        ..link(&t, "A-b_C-9", &[], 10 * MINUTE, T0)
    };

    store.create_link(&plain).await.unwrap();
    store.create_link(&branded).await.unwrap();

    assert_eq!(
        store.get_link(&t, &sid("bananas7"), T0).await.unwrap(),
        Some(plain)
    );
    assert_eq!(
        store.get_link(&t, &sid("A-b_C-9"), T0).await.unwrap(),
        Some(branded)
    );
    // Ids are case-sensitive.
    assert_eq!(
        store.get_link(&t, &sid("BANANAS7"), T0).await.unwrap(),
        None
    );
}

pub async fn creating_a_link_over_a_live_id_is_a_conflict(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let first = link(&t, "bananas7", &[("pid", "sms")], MINUTE, T0);
    given_link(&store, &first).await;

    // One millisecond before the first one expires, its id is still taken.
    let second = link(&t, "bananas7", &[("pid", "email")], DAY, at(MINUTE - 1));
    assert_eq!(conflict(store.create_link(&second).await), ID_IN_USE);

    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE - 1))
            .await
            .unwrap(),
        Some(first)
    );
}

pub async fn an_expired_link_id_can_be_reused(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let old = Link {
        brand_domain: Some("go.feedme.example".into()),
        ..link(
            &t,
            "bananas7",
            &[("pid", "sms"), ("c", "bananas")],
            MINUTE,
            T0,
        )
    };
    given_link(&store, &old).await;

    // Exactly at its expiry, not purged yet: the id is free.
    let new = Link {
        renew_ttl: false,
        ..link(&t, "bananas7", &[("pid", "email")], DAY, at(MINUTE))
    };
    store.create_link(&new).await.unwrap();

    // Nothing of the old link survives: data, brand domain, times, settings.
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE))
            .await
            .unwrap(),
        Some(new.clone())
    );
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), at(DAY)).await.unwrap(),
        Some(new)
    );
}

pub async fn the_same_link_id_may_live_in_two_templates(store: Arc<dyn Store>) {
    let one = given_a_template(&store).await;
    given_account(&store, "acc_other").await;
    let t2 = template("Other1", "other1");
    given_template(&store, "acc_other", &t2, T0).await;
    let a = link(&one, "bananas7", &[("pid", "sms")], DAY, T0);
    let b = link(&t2.id, "bananas7", &[("pid", "email")], DAY, T0);

    store.create_link(&a).await.unwrap();
    store.create_link(&b).await.unwrap();

    assert_eq!(
        store.get_link(&one, &sid("bananas7"), T0).await.unwrap(),
        Some(a)
    );
    assert_eq!(
        store.get_link(&t2.id, &sid("bananas7"), T0).await.unwrap(),
        Some(b)
    );
}

pub async fn updating_a_link_replaces_its_data_and_restarts_its_ttl(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let original = Link {
        renew_ttl: false,
        brand_domain: Some("go.feedme.example".into()),
        ..link(&t, "bananas7", &[("pid", "sms"), ("c", "bananas")], DAY, T0)
    };
    given_link(&store, &original).await;
    let update = LinkUpdate {
        data: data(&[("pid", "email")]),
        ttl: Ttl::from_stored_seconds(2 * DAY / SECOND),
        renew_ttl: None,
        brand_domain: None,
    };

    let updated = store
        .update_link(&t, &sid("bananas7"), &update, at(HOUR))
        .await
        .unwrap();

    let expected = Link {
        data: data(&[("pid", "email")]),
        ttl: update.ttl,
        updated_at: at(HOUR),
        expires_at: at(HOUR + 2 * DAY),
        ..original
    };
    assert_eq!(updated, Some(expected.clone()));
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(HOUR))
            .await
            .unwrap(),
        Some(expected.clone())
    );
    // Alive past its first expiry, gone at the new one.
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), at(DAY)).await.unwrap(),
        Some(expected)
    );
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(HOUR + 2 * DAY))
            .await
            .unwrap(),
        None
    );

    // A shorter TTL shortens the link: the expiry is the update time plus it.
    let shorter = LinkUpdate {
        ttl: Ttl::from_stored_seconds(60),
        ..update
    };
    let updated = store
        .update_link(&t, &sid("bananas7"), &shorter, at(2 * HOUR))
        .await
        .unwrap();
    assert_eq!(updated.map(|l| l.expires_at), Some(at(2 * HOUR + MINUTE)));
}

pub async fn updating_a_link_changes_renew_ttl_and_brand_domain_when_given(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let original = link(&t, "bananas7", &[("pid", "sms")], DAY, T0);
    given_link(&store, &original).await;
    let update = LinkUpdate {
        data: data(&[("pid", "sms")]),
        ttl: Ttl::from_stored_seconds(DAY / SECOND),
        renew_ttl: Some(false),
        brand_domain: Some("go.feedme.example".into()),
    };

    let updated = store
        .update_link(&t, &sid("bananas7"), &update, at(MINUTE))
        .await
        .unwrap();

    let expected = Link {
        renew_ttl: false,
        brand_domain: Some("go.feedme.example".into()),
        updated_at: at(MINUTE),
        expires_at: at(MINUTE + DAY),
        ..original
    };
    assert_eq!(updated, Some(expected.clone()));
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE))
            .await
            .unwrap(),
        Some(expected)
    );

    let back = LinkUpdate {
        renew_ttl: Some(true),
        brand_domain: Some("links.feedme.example".into()),
        ..update
    };
    let updated = store
        .update_link(&t, &sid("bananas7"), &back, at(2 * MINUTE))
        .await
        .unwrap()
        .unwrap();
    assert!(updated.renew_ttl);
    assert_eq!(
        updated.brand_domain.as_deref(),
        Some("links.feedme.example")
    );
}

pub async fn an_expired_or_missing_link_cannot_be_updated_or_deleted(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    given_link(&store, &link(&t, "expiring", &[("pid", "sms")], MINUTE, T0)).await;
    let update = LinkUpdate {
        data: data(&[("pid", "email")]),
        ttl: Ttl::from_stored_seconds(DAY / SECOND),
        renew_ttl: None,
        brand_domain: None,
    };
    let gone = at(MINUTE);

    assert_eq!(
        store
            .update_link(&t, &sid("expiring"), &update, gone)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .update_link(&t, &sid("missing"), &update, gone)
            .await
            .unwrap(),
        None
    );
    assert!(!store.delete_link(&t, &sid("expiring"), gone).await.unwrap());
    assert!(!store.delete_link(&t, &sid("missing"), gone).await.unwrap());
    // The refused update did not bring the link back.
    assert_eq!(
        store.get_link(&t, &sid("expiring"), gone).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .get_link(&t, &sid("expiring"), at(HOUR))
            .await
            .unwrap(),
        None
    );
}

pub async fn a_deleted_link_is_gone_and_its_id_is_free(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    given_link(&store, &link(&t, "bananas7", &[("pid", "sms")], DAY, T0)).await;
    let neighbour = link(&t, "apples", &[("pid", "sms")], DAY, T0);
    given_link(&store, &neighbour).await;

    assert!(
        store
            .delete_link(&t, &sid("bananas7"), at(SECOND))
            .await
            .unwrap()
    );

    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(SECOND))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), T0).await.unwrap(),
        None
    );
    assert!(
        !store
            .delete_link(&t, &sid("bananas7"), at(SECOND))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_link(&t, &sid("apples"), at(SECOND))
            .await
            .unwrap(),
        Some(neighbour)
    );
    let again = link(&t, "bananas7", &[("pid", "email")], DAY, at(2 * SECOND));
    store.create_link(&again).await.unwrap();
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(2 * SECOND))
            .await
            .unwrap(),
        Some(again)
    );
}

pub async fn of_concurrent_creates_of_one_id_exactly_one_wins(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = Arc::clone(&store);
            let l = link(&t, "contested", &[("n", &n.to_string())], DAY, T0);
            tokio::spawn(async move { (l.clone(), store.create_link(&l).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (l, Ok(())) => winners.push(l),
            (_, Err(StoreError::Conflict(message))) => assert_eq!(message, ID_IN_USE),
            (_, Err(other)) => panic!("unexpected failure: {other}"),
        }
    }

    assert_eq!(winners.len(), 1);
    assert_eq!(
        store.get_link(&t, &sid("contested"), T0).await.unwrap(),
        winners.pop()
    );
}
