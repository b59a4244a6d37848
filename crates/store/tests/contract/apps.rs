//! Apps: registered once on the whole server, seen only by their account.

use std::sync::Arc;

use waylink_core::app::App;
use waylink_core::template::Template;
use waylink_store::Store;

use crate::support::{
    SECOND, T0, android_app, at, conflict, given_account, given_app, ios_app, key, template,
};

pub async fn a_registered_app_is_read_back_and_listed_oldest_first(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    let ios = ios_app("id1234567890");
    let android = App {
        sha256_cert_fingerprints: vec![
            format!("{}01", "AB:".repeat(31)),
            format!("{}02", "CD:".repeat(31)),
        ],
        ..android_app("com.feedme.app")
    };
    // "com..." sorts before "id...": the listing follows registration time.
    given_app(&store, "acc_feedme", &ios, T0).await;
    given_app(&store, "acc_feedme", &android, at(SECOND)).await;

    assert_eq!(
        store.get_app("acc_feedme", "id1234567890").await.unwrap(),
        Some(ios.clone())
    );
    assert_eq!(
        store.get_app("acc_feedme", "com.feedme.app").await.unwrap(),
        Some(android.clone())
    );
    assert_eq!(
        store
            .get_app("acc_feedme", "com.feedme.other")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.list_apps("acc_feedme").await.unwrap(),
        vec![ios, android]
    );
}

pub async fn an_app_id_registered_by_any_account_is_a_conflict(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let app = android_app("com.feedme.app");
    given_app(&store, "acc_feedme", &app, T0).await;
    let again = App {
        sha256_cert_fingerprints: Vec::new(),
        ..app.clone()
    };

    let same_account = store
        .create_app("acc_feedme", &again, &key("wl_sdk_again"), at(SECOND))
        .await;
    let other_account = store
        .create_app("acc_other", &again, &key("wl_sdk_other"), at(SECOND))
        .await;

    assert!(conflict(same_account).contains("com.feedme.app"));
    assert!(conflict(other_account).contains("com.feedme.app"));
    assert_eq!(store.list_apps("acc_feedme").await.unwrap(), vec![app]);
    assert_eq!(store.list_apps("acc_other").await.unwrap(), vec![]);
}

pub async fn another_accounts_app_is_out_of_reach(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let app = android_app("com.feedme.app");
    given_app(&store, "acc_feedme", &app, T0).await;
    let changed = App {
        sha256_cert_fingerprints: Vec::new(),
        ..app.clone()
    };

    assert_eq!(
        store.get_app("acc_other", "com.feedme.app").await.unwrap(),
        None
    );
    assert_eq!(store.list_apps("acc_other").await.unwrap(), vec![]);
    assert!(!store.update_app("acc_other", &changed).await.unwrap());
    assert!(
        !store
            .delete_app("acc_other", "com.feedme.app")
            .await
            .unwrap()
    );

    assert_eq!(
        store.get_app("acc_feedme", "com.feedme.app").await.unwrap(),
        Some(app)
    );
}

pub async fn updating_an_app_replaces_its_settings(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_app(&store, "acc_feedme", &android_app("com.feedme.app"), T0).await;
    given_app(&store, "acc_feedme", &ios_app("id1234567890"), T0).await;
    let android = App {
        sha256_cert_fingerprints: vec![format!("{}EF", "12:".repeat(31))],
        ..android_app("com.feedme.app")
    };
    let ios = App {
        bundle_id: Some("com.feedme.ios".into()),
        team_id: Some("ZYXWV98765".into()),
        ..ios_app("id1234567890")
    };

    assert!(store.update_app("acc_feedme", &android).await.unwrap());
    assert!(store.update_app("acc_feedme", &ios).await.unwrap());

    assert_eq!(
        store.get_app("acc_feedme", "com.feedme.app").await.unwrap(),
        Some(android)
    );
    assert_eq!(
        store.get_app("acc_feedme", "id1234567890").await.unwrap(),
        Some(ios)
    );
    assert!(
        !store
            .update_app("acc_feedme", &android_app("com.feedme.missing"))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_app("acc_feedme", "com.feedme.missing")
            .await
            .unwrap(),
        None
    );
}

pub async fn a_deleted_app_is_gone_and_its_app_id_is_free_again(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    given_app(&store, "acc_feedme", &android_app("com.feedme.app"), T0).await;
    given_app(&store, "acc_feedme", &ios_app("id1234567890"), T0).await;

    assert!(
        store
            .delete_app("acc_feedme", "com.feedme.app")
            .await
            .unwrap()
    );

    assert_eq!(
        store.get_app("acc_feedme", "com.feedme.app").await.unwrap(),
        None
    );
    assert_eq!(
        store.list_apps("acc_feedme").await.unwrap(),
        vec![ios_app("id1234567890")]
    );
    assert!(
        !store
            .delete_app("acc_feedme", "com.feedme.app")
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_app("acc_feedme", "com.feedme.never")
            .await
            .unwrap()
    );
    store
        .create_app(
            "acc_other",
            &android_app("com.feedme.app"),
            &key("wl_sdk_new"),
            at(SECOND),
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_apps("acc_other").await.unwrap(),
        vec![android_app("com.feedme.app")]
    );
}

pub async fn an_app_used_by_a_template_cannot_be_deleted(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_app(&store, "acc_feedme", &android_app("com.example.both1"), T0).await;
    given_app(&store, "acc_feedme", &ios_app("id1234567890"), T0).await;
    let both = Template {
        ios_app_id: Some("id1234567890".into()),
        ..template("Both1", "both")
    };
    store
        .create_template("acc_feedme", &both, T0)
        .await
        .unwrap();

    conflict(store.delete_app("acc_feedme", "com.example.both1").await);
    conflict(store.delete_app("acc_feedme", "id1234567890").await);
    assert_eq!(store.list_apps("acc_feedme").await.unwrap().len(), 2);

    // Once no template uses an app, it can go.
    let android_only = Template {
        ios_app_id: None,
        ..both
    };
    assert!(
        store
            .update_template("acc_feedme", &android_only)
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_app("acc_feedme", "id1234567890")
            .await
            .unwrap()
    );
    assert!(store.delete_template("acc_feedme", "Both1").await.unwrap());
    assert!(
        store
            .delete_app("acc_feedme", "com.example.both1")
            .await
            .unwrap()
    );
    assert_eq!(store.list_apps("acc_feedme").await.unwrap(), vec![]);
}
