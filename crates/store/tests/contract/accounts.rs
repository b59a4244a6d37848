//! Accounts and their API keys.

use std::sync::Arc;

use waylink_core::account::Account;
use waylink_store::{KeyInfo, Store};

use crate::support::{MINUTE, SECOND, T0, account, at, given_account, key};

pub async fn a_created_account_is_read_back_and_listed_oldest_first(store: Arc<dyn Store>) {
    let older = account("acc_zulu");
    let newer = Account {
        daily_quota: 10,
        rate_limit: Some(5),
        ..account("acc_alpha")
    };
    // Written out of order: the listing follows creation time, not writes or ids.
    store
        .create_account(&newer, &key("wl_live_alpha"), at(SECOND))
        .await
        .unwrap();
    store
        .create_account(&older, &key("wl_live_zulu"), T0)
        .await
        .unwrap();

    assert_eq!(
        store.get_account("acc_zulu").await.unwrap(),
        Some(older.clone())
    );
    assert_eq!(
        store.get_account("acc_alpha").await.unwrap(),
        Some(newer.clone())
    );
    assert_eq!(store.get_account("acc_nobody").await.unwrap(), None);
    assert_eq!(store.list_accounts().await.unwrap(), vec![older, newer]);
}

pub async fn an_account_is_found_by_name_and_the_oldest_of_that_name_wins(store: Arc<dyn Store>) {
    let older = Account {
        name: "feedme".into(),
        ..account("acc_zulu")
    };
    let newer = Account {
        name: "feedme".into(),
        ..account("acc_alpha")
    };
    let other = Account {
        name: "bananas".into(),
        ..account("acc_other")
    };
    store
        .create_account(&newer, &key("wl_live_alpha"), at(SECOND))
        .await
        .unwrap();
    store
        .create_account(&older, &key("wl_live_zulu"), T0)
        .await
        .unwrap();
    store
        .create_account(&other, &key("wl_live_other"), T0)
        .await
        .unwrap();

    assert_eq!(
        store.find_account_by_name("feedme").await.unwrap(),
        Some(older)
    );
    assert_eq!(
        store.find_account_by_name("bananas").await.unwrap(),
        Some(other)
    );
    assert_eq!(store.find_account_by_name("feed").await.unwrap(), None);
}

pub async fn updating_an_account_replaces_its_name_and_limits(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    let changed = Account {
        account_id: "acc_feedme".into(),
        name: "FeedMe Ltd".into(),
        daily_quota: 1_000,
        rate_limit: Some(20),
    };

    assert!(store.update_account(&changed).await.unwrap());
    assert_eq!(
        store.get_account("acc_feedme").await.unwrap(),
        Some(changed.clone())
    );
    let by_key = store
        .account_by_key_hash(&key("wl_live_acc_feedme").hash)
        .await
        .unwrap();
    assert_eq!(by_key, Some(changed.clone()));

    let back = Account {
        rate_limit: None,
        ..changed
    };
    assert!(store.update_account(&back).await.unwrap());
    assert_eq!(store.get_account("acc_feedme").await.unwrap(), Some(back));

    assert!(!store.update_account(&account("acc_nobody")).await.unwrap());
    assert_eq!(store.get_account("acc_nobody").await.unwrap(), None);
}

pub async fn an_account_is_found_by_the_hash_of_any_of_its_live_keys(store: Arc<dyn Store>) {
    let feedme = given_account(&store, "acc_feedme").await;
    let other = given_account(&store, "acc_other").await;
    let first = key("wl_live_acc_feedme");
    let second = key("wl_live_second_key");
    assert!(
        store
            .add_account_key("acc_feedme", &second, at(MINUTE))
            .await
            .unwrap()
    );

    assert_eq!(
        store.account_by_key_hash(&first.hash).await.unwrap(),
        Some(feedme.clone())
    );
    assert_eq!(
        store.account_by_key_hash(&second.hash).await.unwrap(),
        Some(feedme)
    );
    assert_eq!(
        store
            .account_by_key_hash(&key("wl_live_acc_other").hash)
            .await
            .unwrap(),
        Some(other)
    );
    assert_eq!(
        store
            .account_by_key_hash(&key("wl_live_unknown").hash)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.account_by_key_hash(&first.hint).await.unwrap(), None);

    let stray = key("wl_live_stray");
    assert!(
        !store
            .add_account_key("acc_nobody", &stray, at(MINUTE))
            .await
            .unwrap()
    );
    assert_eq!(store.account_by_key_hash(&stray.hash).await.unwrap(), None);
    assert_eq!(store.list_account_keys("acc_nobody").await.unwrap(), vec![]);
}

pub async fn keys_are_listed_oldest_first_with_their_hint_and_a_twelve_character_id(
    store: Arc<dyn Store>,
) {
    let one = key("wl_live_key_one");
    let two = key("wl_live_key_two");
    // The newer key's hash sorts first, so the order shown is creation order.
    assert!(two.hash < one.hash);
    store
        .create_account(&account("acc_feedme"), &one, T0)
        .await
        .unwrap();
    assert!(
        store
            .add_account_key("acc_feedme", &two, at(5 * SECOND))
            .await
            .unwrap()
    );
    given_account(&store, "acc_other").await;

    let keys = store.list_account_keys("acc_feedme").await.unwrap();
    assert_eq!(
        keys,
        vec![
            KeyInfo {
                key_id: one.hash[..12].to_owned(),
                hint: "wl_live_key_".into(),
                created_at: T0,
                revoked_at: None,
            },
            KeyInfo {
                key_id: two.hash[..12].to_owned(),
                hint: "wl_live_key_".into(),
                created_at: at(5 * SECOND),
                revoked_at: None,
            },
        ]
    );
    assert!(
        keys.iter()
            .all(|k| k.key_id.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert_eq!(store.list_account_keys("acc_other").await.unwrap().len(), 1);
}

pub async fn a_revoked_key_no_longer_finds_its_account(store: Arc<dyn Store>) {
    let feedme = given_account(&store, "acc_feedme").await;
    let first = key("wl_live_acc_feedme");
    let second = key("wl_live_second_key");
    assert!(
        store
            .add_account_key("acc_feedme", &second, at(SECOND))
            .await
            .unwrap()
    );
    let first_id = first.hash[..12].to_owned();

    assert!(
        store
            .revoke_account_key("acc_feedme", &first_id, at(MINUTE))
            .await
            .unwrap()
    );

    assert_eq!(store.account_by_key_hash(&first.hash).await.unwrap(), None);
    assert_eq!(
        store.account_by_key_hash(&second.hash).await.unwrap(),
        Some(feedme)
    );
    let keys = store.list_account_keys("acc_feedme").await.unwrap();
    let revoked: Vec<_> = keys
        .iter()
        .map(|k| (k.key_id.as_str(), k.revoked_at))
        .collect();
    assert_eq!(
        revoked,
        vec![
            (first_id.as_str(), Some(at(MINUTE))),
            (&second.hash[..12], None)
        ]
    );

    // A revoked key stays revoked at its first time; unknown ids revoke nothing.
    assert!(
        !store
            .revoke_account_key("acc_feedme", &first_id, at(2 * MINUTE))
            .await
            .unwrap()
    );
    let keys = store.list_account_keys("acc_feedme").await.unwrap();
    assert_eq!(keys[0].revoked_at, Some(at(MINUTE)));
    // Only a whole 12-character id names a key: not a shorter prefix, not the hash.
    for unknown in [
        "000000000000",
        "",
        "not-a-key-id",
        &second.hash[..6],
        &second.hash,
    ] {
        let revoked = store
            .revoke_account_key("acc_feedme", unknown, at(MINUTE))
            .await
            .unwrap();
        assert!(!revoked, "{unknown:?}");
    }
    assert_eq!(
        store
            .account_by_key_hash(&second.hash)
            .await
            .unwrap()
            .map(|a| a.account_id),
        Some("acc_feedme".into())
    );
}

pub async fn a_key_cannot_be_revoked_through_another_account(store: Arc<dyn Store>) {
    let feedme = given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let feedme_key = key("wl_live_acc_feedme");

    let revoked = store
        .revoke_account_key("acc_other", &feedme_key.hash[..12], at(MINUTE))
        .await
        .unwrap();

    assert!(!revoked);
    assert_eq!(
        store.account_by_key_hash(&feedme_key.hash).await.unwrap(),
        Some(feedme)
    );
    let keys = store.list_account_keys("acc_feedme").await.unwrap();
    assert_eq!(keys[0].revoked_at, None);
}
