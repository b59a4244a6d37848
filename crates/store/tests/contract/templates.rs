//! Templates: ids, subdomains and brand domains unique across the server
//! (a brand domain may serve several templates of one account).

use std::sync::Arc;

use waylink_core::template::Template;
use waylink_store::Store;

use crate::support::{
    DAY, SECOND, T0, android_app, app_of, at, conflict, given_account, given_app, given_link,
    given_template, link, query, sid, template, tid,
};

/// A template with every field set.
fn full(id: &str, sub: &str, brand_domains: &[&str]) -> Template {
    Template {
        uri_scheme: Some("feedme".into()),
        desktop_url: Some("https://feedme.example/desktop?from=waylink&x=1".into()),
        brand_domains: brand_domains.iter().map(|d| (*d).to_owned()).collect(),
        allowed_redirect_domains: vec!["feedme.example".into(), "shop.example".into()],
        og_title: Some("Bananas — «cheap» & \"fresh\"".into()),
        og_description: Some("Two lines:\nyellow, ripe".into()),
        og_image: Some("https://feedme.example/b.png".into()),
        ..template(id, sub)
    }
}

pub async fn a_created_template_is_read_back_whole_with_its_brand_domains_in_order(
    store: Arc<dyn Store>,
) {
    given_account(&store, "acc_feedme").await;
    let first = full(
        "Zulu1",
        "feedme",
        &[
            "go.feedme.example",
            "a.feedme.example:8443",
            "links.feedme.example",
        ],
    );
    let second = template("Alpha1", "alpha");
    given_template(&store, "acc_feedme", &first, T0).await;
    given_template(&store, "acc_feedme", &second, at(SECOND)).await;

    assert_eq!(
        store.get_template("acc_feedme", "Zulu1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_template("acc_feedme", "Alpha1").await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store.get_template("acc_feedme", "Nope1").await.unwrap(),
        None
    );
    // Oldest first, whatever the ids.
    assert_eq!(
        store.list_templates("acc_feedme").await.unwrap(),
        vec![first, second]
    );
}

pub async fn a_taken_template_id_is_a_conflict_on_any_account(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let original = template("Tmpl1", "feedme");
    given_template(&store, "acc_feedme", &original, T0).await;
    given_app(&store, "acc_other", &android_app("com.other.app"), T0).await;
    let same_account = Template {
        subdomain: "elsewhere".into(),
        ..original.clone()
    };
    let other_account = Template {
        subdomain: "other".into(),
        android_app_id: Some("com.other.app".into()),
        ..original.clone()
    };

    assert!(
        conflict(
            store
                .create_template("acc_feedme", &same_account, at(SECOND))
                .await
        )
        .contains("Tmpl1")
    );
    assert!(
        conflict(
            store
                .create_template("acc_other", &other_account, at(SECOND))
                .await
        )
        .contains("Tmpl1")
    );

    assert_eq!(
        store.get_template("acc_feedme", "Tmpl1").await.unwrap(),
        Some(original)
    );
    assert_eq!(store.list_templates("acc_other").await.unwrap(), vec![]);
}

pub async fn a_taken_subdomain_is_a_conflict_on_any_account(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    given_template(&store, "acc_feedme", &template("Tmpl1", "feedme"), T0).await;
    given_app(&store, "acc_feedme", &android_app(&app_of("Tmpl2")), T0).await;
    given_app(&store, "acc_other", &android_app(&app_of("Tmpl3")), T0).await;

    let same_account = store
        .create_template("acc_feedme", &template("Tmpl2", "feedme"), at(SECOND))
        .await;
    let other_account = store
        .create_template("acc_other", &template("Tmpl3", "feedme"), at(SECOND))
        .await;

    assert!(conflict(same_account).contains("feedme"));
    assert!(conflict(other_account).contains("feedme"));
    assert_eq!(
        store.get_template("acc_feedme", "Tmpl2").await.unwrap(),
        None
    );
    assert_eq!(
        store.get_template("acc_other", "Tmpl3").await.unwrap(),
        None
    );
}

pub async fn a_brand_domain_of_another_account_is_a_conflict(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    given_template(
        &store,
        "acc_feedme",
        &full("Tmpl1", "feedme", &["go.feedme.example"]),
        T0,
    )
    .await;
    given_app(&store, "acc_other", &android_app(&app_of("Tmpl2")), T0).await;
    let grab = full("Tmpl2", "other", &["go.other.example", "go.feedme.example"]);

    let message = conflict(store.create_template("acc_other", &grab, at(SECOND)).await);

    assert!(message.contains("go.feedme.example"), "{message}");
    assert_eq!(
        store.get_template("acc_other", "Tmpl2").await.unwrap(),
        None
    );
    // Nothing of the refused template was kept: its other domain is still free.
    let other = full("Tmpl2", "other", &["go.other.example"]);
    store
        .create_template("acc_other", &other, at(2 * SECOND))
        .await
        .unwrap();
    assert_eq!(
        store.get_template("acc_other", "Tmpl2").await.unwrap(),
        Some(other)
    );
}

pub async fn one_account_may_serve_a_brand_domain_from_two_templates(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    let one = full("Tmpl1", "one", &["go.feedme.example", "one.feedme.example"]);
    let two = full("Tmpl2", "two", &["two.feedme.example", "go.feedme.example"]);
    given_template(&store, "acc_feedme", &one, T0).await;
    given_template(&store, "acc_feedme", &two, at(SECOND)).await;

    assert_eq!(
        store.list_templates("acc_feedme").await.unwrap(),
        vec![one, two]
    );
}

pub async fn another_accounts_template_is_out_of_reach(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let mine = full("Tmpl1", "feedme", &["go.feedme.example"]);
    given_template(&store, "acc_feedme", &mine, T0).await;
    let changed = Template {
        subdomain: "hijacked".into(),
        ..mine.clone()
    };

    assert_eq!(
        store.get_template("acc_other", "Tmpl1").await.unwrap(),
        None
    );
    assert_eq!(store.list_templates("acc_other").await.unwrap(), vec![]);
    assert!(!store.update_template("acc_other", &changed).await.unwrap());
    assert!(!store.delete_template("acc_other", "Tmpl1").await.unwrap());
    assert!(
        !store
            .update_template("acc_feedme", &template("Nope1", "nope"))
            .await
            .unwrap()
    );
    assert!(!store.delete_template("acc_feedme", "Nope1").await.unwrap());

    assert_eq!(
        store.get_template("acc_feedme", "Tmpl1").await.unwrap(),
        Some(mine)
    );
    assert_eq!(
        store.get_template("acc_feedme", "Nope1").await.unwrap(),
        None
    );
}

pub async fn updating_a_template_replaces_every_field_and_its_brand_domains(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let before = full(
        "Tmpl1",
        "feedme",
        &["go.feedme.example", "old.feedme.example"],
    );
    given_template(&store, "acc_feedme", &before, T0).await;
    given_app(&store, "acc_feedme", &android_app("com.feedme.v2"), T0).await;
    let after = Template {
        subdomain: "feedme2".into(),
        android_app_id: Some("com.feedme.v2".into()),
        uri_scheme: None,
        desktop_url: Some("https://feedme.example/v2".into()),
        brand_domains: vec!["new.feedme.example".into(), "go.feedme.example".into()],
        allowed_redirect_domains: vec![],
        og_title: None,
        og_description: Some("changed".into()),
        ..before.clone()
    };

    assert!(store.update_template("acc_feedme", &after).await.unwrap());

    assert_eq!(
        store.get_template("acc_feedme", "Tmpl1").await.unwrap(),
        Some(after.clone())
    );
    assert_eq!(
        store.list_templates("acc_feedme").await.unwrap(),
        vec![after.clone()]
    );
    // An update that keeps its own subdomain and domains is no conflict.
    assert!(store.update_template("acc_feedme", &after).await.unwrap());
    // What the update let go of is free for others.
    given_app(&store, "acc_other", &android_app(&app_of("Tmpl2")), T0).await;
    let taker = full("Tmpl2", "feedme", &["old.feedme.example"]);
    store
        .create_template("acc_other", &taker, at(SECOND))
        .await
        .unwrap();
    assert_eq!(
        store.get_template("acc_other", "Tmpl2").await.unwrap(),
        Some(taker)
    );
}

pub async fn updating_a_template_onto_a_taken_subdomain_or_foreign_brand_domain_is_a_conflict(
    store: Arc<dyn Store>,
) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    let mine = full("Tmpl1", "feedme", &["go.feedme.example"]);
    given_template(&store, "acc_feedme", &mine, T0).await;
    given_template(&store, "acc_feedme", &template("Tmpl2", "second"), T0).await;
    given_template(
        &store,
        "acc_other",
        &full("Tmpl3", "other", &["go.other.example"]),
        T0,
    )
    .await;

    let own_taken = Template {
        subdomain: "second".into(),
        ..mine.clone()
    };
    let foreign_taken = Template {
        subdomain: "other".into(),
        ..mine.clone()
    };
    let foreign_domain = Template {
        brand_domains: vec!["go.feedme.example".into(), "go.other.example".into()],
        ..mine.clone()
    };

    assert!(conflict(store.update_template("acc_feedme", &own_taken).await).contains("second"));
    assert!(conflict(store.update_template("acc_feedme", &foreign_taken).await).contains("other"));
    assert!(
        conflict(store.update_template("acc_feedme", &foreign_domain).await)
            .contains("go.other.example")
    );
    assert_eq!(
        store.get_template("acc_feedme", "Tmpl1").await.unwrap(),
        Some(mine)
    );
}

pub async fn deleting_a_template_deletes_its_links(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    let doomed = template("Tmpl1", "doomed");
    given_template(&store, "acc_feedme", &doomed, T0).await;
    given_template(&store, "acc_feedme", &template("Tmpl2", "kept"), T0).await;
    let (t1, t2) = (tid("Tmpl1"), tid("Tmpl2"));
    for id in ["a", "b", "c"] {
        given_link(&store, &link(&t1, id, &[("pid", "sms")], DAY, T0)).await;
    }
    let kept = link(&t2, "a", &[("pid", "sms")], DAY, T0);
    given_link(&store, &kept).await;

    assert!(store.delete_template("acc_feedme", "Tmpl1").await.unwrap());

    assert_eq!(
        store.get_template("acc_feedme", "Tmpl1").await.unwrap(),
        None
    );
    assert!(!store.delete_template("acc_feedme", "Tmpl1").await.unwrap());
    // A template made again with the same id starts with no links at all.
    store
        .create_template("acc_feedme", &doomed, at(SECOND))
        .await
        .unwrap();
    assert_eq!(store.get_link(&t1, &sid("a"), T0).await.unwrap(), None);
    assert_eq!(
        store.list_links(&query(&t1, 10, T0)).await.unwrap().links,
        vec![]
    );
    given_link(&store, &link(&t1, "a", &[], DAY, at(SECOND))).await;
    // The other template's links are untouched.
    assert_eq!(
        store.list_links(&query(&t2, 10, T0)).await.unwrap().links,
        vec![kept]
    );
}

pub async fn a_deleted_templates_subdomain_and_brand_domains_are_free_again(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    given_template(
        &store,
        "acc_feedme",
        &full("Tmpl1", "feedme", &["go.feedme.example"]),
        T0,
    )
    .await;
    assert!(store.delete_template("acc_feedme", "Tmpl1").await.unwrap());

    let taker = full("Tmpl2", "feedme", &["go.feedme.example"]);
    given_template(&store, "acc_other", &taker, at(SECOND)).await;
    assert_eq!(
        store.get_template("acc_other", "Tmpl2").await.unwrap(),
        Some(taker)
    );
}

pub async fn of_concurrent_claims_of_one_brand_domain_by_two_accounts_one_account_wins(
    store: Arc<dyn Store>,
) {
    for account in ["acc_a", "acc_b"] {
        given_account(&store, account).await;
    }
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            let account = if n % 2 == 0 { "acc_a" } else { "acc_b" };
            let id = format!("Race{n}");
            let mut t = template(&id, &format!("race{n}"));
            t.brand_domains = vec!["go.contested.example".into()];
            tokio::spawn(async move {
                given_app(&store, account, &android_app(&app_of(&id)), T0).await;
                (account, store.create_template(account, &t, T0).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (account, Ok(())) => winners.push(account),
            (_, Err(e)) => {
                let message = conflict::<()>(Err(e));
                assert!(message.contains("go.contested.example"), "{message}");
            }
        }
    }

    winners.sort_unstable();
    winners.dedup();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let serving = store
        .templates_by_brand_domain("go.contested.example")
        .await
        .unwrap();
    // Every template of the winning account that tried got the domain.
    assert_eq!(serving.len(), 4);
}
