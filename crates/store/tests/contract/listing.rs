//! Listing a template's live links: newest first, in pages, with filters.

use std::collections::BTreeSet;
use std::sync::Arc;

use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_store::{LinkCursor, LinkQuery, Store};

use crate::support::{
    DAY, HOUR, MINUTE, SECOND, T0, at, given_a_template, given_account, given_link, given_template,
    ids, link, query, sid, template,
};

/// Link data or filters, as pairs.
type Pairs = &'static [(&'static str, &'static str)];

/// The ids of every live link matching `filters` at `now`, sorted.
async fn matching(
    store: &Arc<dyn Store>,
    t: &TemplateId,
    filters: &[(&str, &str)],
    now: Timestamp,
) -> Vec<String> {
    let q = LinkQuery {
        filters: filters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..query(t, 1_000, now)
    };
    let page = store.list_links(&q).await.unwrap();
    assert_eq!(page.next, None);
    let mut found: Vec<String> = page
        .links
        .iter()
        .map(|l| l.shortlink_id.as_str().to_owned())
        .collect();
    found.sort_unstable();
    found
}

pub async fn links_are_listed_newest_first_with_a_cursor_after_the_last_one(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let oldest = link(&t, "oldest", &[], DAY, T0);
    let middle = link(&t, "middle", &[], DAY, at(SECOND));
    let newest = link(&t, "newest", &[], DAY, at(2 * SECOND));
    for l in [&middle, &newest, &oldest] {
        given_link(&store, l).await;
    }

    let first = store.list_links(&query(&t, 2, at(MINUTE))).await.unwrap();

    assert_eq!(first.links, vec![newest, middle]);
    let cursor = LinkCursor {
        created_at: at(SECOND),
        shortlink_id: "middle".into(),
    };
    assert_eq!(first.next, Some(cursor.clone()));
    let q = LinkQuery {
        after: Some(cursor),
        ..query(&t, 2, at(MINUTE))
    };
    let second = store.list_links(&q).await.unwrap();
    assert_eq!(second.links, vec![oldest]);
    assert_eq!(second.next, None);
}

pub async fn paging_with_the_cursor_returns_every_live_link_exactly_once(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let mut live = BTreeSet::new();
    for i in 0..23i64 {
        // Three links share each creation millisecond.
        let id = format!("live-{i:02}");
        given_link(
            &store,
            &link(&t, &id, &[("i", &i.to_string())], DAY, at(i / 3 * SECOND)),
        )
        .await;
        live.insert(id);
    }
    for i in 0..4i64 {
        given_link(
            &store,
            &link(&t, &format!("gone-{i}"), &[], MINUTE, at(i * 2 * SECOND)),
        )
        .await;
    }
    let now = at(HOUR);

    let mut seen: Vec<String> = Vec::new();
    let mut created: Vec<i64> = Vec::new();
    let mut sizes = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_links(&LinkQuery {
                after,
                ..query(&t, 5, now)
            })
            .await
            .unwrap();
        sizes.push(page.links.len());
        seen.extend(
            page.links
                .iter()
                .map(|l| l.shortlink_id.as_str().to_owned()),
        );
        created.extend(page.links.iter().map(|l| l.created_at.as_millis()));
        // Writes between pages neither repeat nor skip what is left: a newer
        // link belongs before the cursor, and a deleted one shifts nothing.
        if sizes.len() == 1 {
            given_link(&store, &link(&t, "late", &[], DAY, now)).await;
        }
        if sizes.len() == 2 {
            let first = seen.remove(0);
            assert!(store.delete_link(&t, &sid(&first), now).await.unwrap());
            live.remove(&first);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(sizes.len() < 10, "the paging does not end");
    }

    assert_eq!(sizes, vec![5, 5, 5, 5, 3]);
    assert_eq!(seen.len(), 22, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), live);
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "not newest first: {created:?}"
    );
}

pub async fn a_limit_larger_than_the_listing_returns_everything_on_one_page(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    for (n, id) in ["a", "b", "c"].into_iter().enumerate() {
        given_link(&store, &link(&t, id, &[], DAY, at(n as i64 * SECOND))).await;
    }

    for limit in [3, 4, 1_000, usize::MAX] {
        let page = store
            .list_links(&query(&t, limit, at(MINUTE)))
            .await
            .unwrap();
        assert_eq!(ids(&page.links), vec!["c", "b", "a"], "limit {limit}");
        assert_eq!(page.next, None, "limit {limit}");
    }
}

pub async fn listing_is_scoped_to_the_template(store: Arc<dyn Store>) {
    let one = given_a_template(&store).await;
    given_account(&store, "acc_other").await;
    let two = template("Other1", "other1");
    given_template(&store, "acc_other", &two, T0).await;
    given_link(&store, &link(&one, "mine", &[("pid", "sms")], DAY, T0)).await;
    given_link(&store, &link(&two.id, "theirs", &[("pid", "sms")], DAY, T0)).await;

    assert_eq!(matching(&store, &one, &[], T0).await, vec!["mine"]);
    assert_eq!(
        matching(&store, &two.id, &[("pid", "sms")], T0).await,
        vec!["theirs"]
    );
}

pub async fn filters_match_exact_values_and_combine_with_and(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let links: &[(&str, &[(&str, &str)])] = &[
        ("l1", &[("pid", "sms"), ("c", "bananas")]),
        ("l2", &[("pid", "sms"), ("c", "apples")]),
        ("l3", &[("pid", "email"), ("c", "bananas")]),
        ("l4", &[("pid", "SMS")]),
        ("l5", &[("pid", "sms "), ("c", "")]),
    ];
    for (id, pairs) in links {
        given_link(&store, &link(&t, id, pairs, DAY, T0)).await;
    }
    given_link(
        &store,
        &link(
            &t,
            "expired",
            &[("pid", "sms"), ("c", "bananas")],
            MINUTE,
            T0,
        ),
    )
    .await;
    let now = at(HOUR);

    let cases: &[(Pairs, &[&str])] = &[
        (&[], &["l1", "l2", "l3", "l4", "l5"]),
        (&[("pid", "sms")], &["l1", "l2"]),
        (&[("pid", "sms"), ("c", "bananas")], &["l1"]),
        (&[("c", "bananas"), ("pid", "email")], &["l3"]),
        (&[("c", "bananas"), ("c", "apples")], &[]),
        (&[("pid", "SMS")], &["l4"]),
        (&[("pid", "sm")], &[]),
        (&[("pid", "sms ")], &["l5"]),
        (&[("c", "")], &["l5"]),
        (&[("pid", "sms"), ("c", "pears")], &[]),
        (&[("af_adset", "sms")], &[]),
    ];
    for (filters, expected) in cases {
        assert_eq!(
            matching(&store, &t, filters, now).await,
            *expected,
            "{filters:?}"
        );
    }
}

pub async fn filters_on_unusual_keys_and_values_match_exactly(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let odd: &[(&str, &str)] = &[
        ("a\"b", "x\"y"),
        ("%", "100%"),
        ("ünï", "çødé ✓"),
        ("a.b", "1"),
        ("$[0]", "*"),
        ("c", "%"),
        ("'; DROP TABLE links; --", "\\"),
    ];
    given_link(&store, &link(&t, "odd", odd, DAY, T0)).await;
    let plain: &[(&str, &str)] = &[
        ("a", "x"),
        ("b", "x\"y"),
        ("c", "_"),
        ("a b", "=&+"),
        ("1", "true"),
    ];
    given_link(&store, &link(&t, "plain", plain, DAY, T0)).await;
    given_link(&store, &link(&t, "nothing", &[("c", "bananas")], DAY, T0)).await;

    for (key, value) in odd {
        assert_eq!(
            matching(&store, &t, &[(key, value)], T0).await,
            vec!["odd"],
            "{key:?}={value:?}"
        );
    }
    for (key, value) in plain {
        assert_eq!(
            matching(&store, &t, &[(key, value)], T0).await,
            vec!["plain"],
            "{key:?}={value:?}"
        );
    }
    let none: &[(&str, &str)] = &[
        ("c", "b%"),
        ("c", "_ananas"),
        ("a", "x\"y"),
        ("a\"b", "x"),
        ("b", "x"),
        ("ÜNÏ", "çødé ✓"),
        ("a.b", "01"),
        ("1", "1"),
        ("[0]", "*"),
        ("a\\\"b", "x\"y"),
    ];
    for (key, value) in none {
        assert_eq!(
            matching(&store, &t, &[(key, value)], T0).await,
            Vec::<String>::new(),
            "{key:?}={value:?}"
        );
    }
    // Every pair of the odd link at once still finds it.
    assert_eq!(matching(&store, &t, odd, T0).await, vec!["odd"]);
}

pub async fn filters_and_paging_work_together(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    for i in 0..7i64 {
        let pid = if i % 2 == 0 { "sms" } else { "email" };
        given_link(
            &store,
            &link(&t, &format!("l{i}"), &[("pid", pid)], DAY, at(i * SECOND)),
        )
        .await;
    }
    let sms = vec![("pid".to_owned(), "sms".to_owned())];

    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let q = LinkQuery {
            filters: sms.clone(),
            after,
            ..query(&t, 2, at(MINUTE))
        };
        let page = store.list_links(&q).await.unwrap();
        pages.push(ids(&page.links).join(","));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }

    assert_eq!(pages, vec!["l6,l4", "l2,l0"]);
}
