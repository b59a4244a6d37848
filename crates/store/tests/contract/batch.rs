//! Batches of links, and link data that must survive storage unchanged.

use std::sync::Arc;

use waylink_core::link::Link;
use waylink_core::ttl::Ttl;
use waylink_store::{LinkQuery, LinkUpdate, Store, StoreError};

use crate::support::{
    DAY, HOUR, ID_IN_USE, SECOND, T0, at, data, given_a_template, given_link, ids, link, query, sid,
};

pub async fn a_batch_answers_one_result_per_link_in_order(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let taken = link(&t, "taken", &[("n", "0")], DAY, at(-HOUR));
    given_link(&store, &taken).await;
    given_link(
        &store,
        &link(&t, "stale", &[("n", "old")], DAY, at(-2 * DAY)),
    )
    .await;
    let batch = vec![
        link(&t, "fresh-1", &[("n", "1")], DAY, T0),
        link(&t, "taken", &[("n", "2")], DAY, T0),
        link(&t, "fresh-2", &[("n", "3")], DAY, T0),
        link(&t, "fresh-1", &[("n", "4")], DAY, T0),
        link(&t, "stale", &[("n", "5")], DAY, T0),
        link(&t, "fresh-3", &[("n", "6")], DAY, T0),
    ];

    let results = store.create_links(&batch).await.unwrap();

    let outcomes: Vec<Result<(), String>> = results
        .into_iter()
        .map(|r| {
            r.map_err(|e| match e {
                StoreError::Conflict(message) => message,
                other => panic!("unexpected failure: {other}"),
            })
        })
        .collect();
    let conflict = || Err(ID_IN_USE.to_owned());
    assert_eq!(
        outcomes,
        vec![Ok(()), conflict(), Ok(()), conflict(), Ok(()), Ok(())]
    );

    let get = |id: &'static str| {
        let (store, t) = (Arc::clone(&store), t.clone());
        async move { store.get_link(&t, &sid(id), T0).await.unwrap() }
    };
    // The first of two equal ids wins; a conflict leaves the live link alone;
    // an expired id is taken over.
    assert_eq!(get("fresh-1").await, Some(batch[0].clone()));
    assert_eq!(get("taken").await, Some(taken));
    assert_eq!(get("fresh-2").await, Some(batch[2].clone()));
    assert_eq!(get("stale").await, Some(batch[4].clone()));
    assert_eq!(get("fresh-3").await, Some(batch[5].clone()));
    let listed = store.list_links(&query(&t, 10, T0)).await.unwrap().links;
    let mut listed = ids(&listed);
    listed.sort_unstable();
    assert_eq!(
        listed,
        vec!["fresh-1", "fresh-2", "fresh-3", "stale", "taken"]
    );
}

pub async fn an_empty_batch_answers_no_results(store: Arc<dyn Store>) {
    given_a_template(&store).await;
    assert!(store.create_links(&[]).await.unwrap().is_empty());
}

pub async fn link_data_comes_back_byte_for_byte(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let pairs: &[(&str, &str)] = &[
        ("pid", "ünïcødé ✓ 日本語 🍌"),
        ("c", "100% & a=b+c"),
        ("quotes", "\"double\" 'single' `back`"),
        ("lines", "one\ntwo\r\nthree\tfour"),
        ("slash", "back\\slash/forward"),
        ("encoded", "%20%2F%C3%A9+plus"),
        ("spaces", "  around  "),
        ("empty", ""),
        ("html", "<script>alert(1)</script>"),
        ("json", "{\"a\": [1, null]}"),
        ("null", "null"),
        ("number", "042"),
        ("key with spaces", "v"),
        ("ключ", "значение"),
        ("a=b&c", "d"),
        ("\"q\"", "'"),
        ("%", "%"),
        ("+", " "),
    ];
    let expected = data(pairs);

    let created = link(&t, "created", pairs, DAY, T0);
    store.create_link(&created).await.unwrap();
    let batched = link(&t, "batched", pairs, DAY, T0);
    let results = store
        .create_links(std::slice::from_ref(&batched))
        .await
        .unwrap();
    assert!(results.iter().all(Result::is_ok));
    given_link(&store, &link(&t, "updated", &[("pid", "x")], DAY, T0)).await;
    let update = LinkUpdate {
        data: expected.clone(),
        ttl: Ttl::from_stored_seconds(DAY / SECOND),
        renew_ttl: None,
        brand_domain: None,
    };
    let updated = store
        .update_link(&t, &sid("updated"), &update, T0)
        .await
        .unwrap();

    assert_eq!(updated.map(|l| l.data), Some(expected.clone()));
    for id in ["created", "batched", "updated"] {
        let got = store
            .get_link(&t, &sid(id), T0)
            .await
            .unwrap()
            .map(|l: Link| l.data);
        assert_eq!(
            got.as_ref().map(|d| d.as_map()),
            Some(expected.as_map()),
            "{id}"
        );
    }
    let listed = store.list_links(&query(&t, 10, T0)).await.unwrap().links;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|l| l.data == expected));
}

pub async fn link_data_with_nul_and_control_characters_is_kept_and_matched_exactly(
    store: Arc<dyn Store>,
) {
    let t = given_a_template(&store).await;
    let odd: &[(&str, &str)] = &[
        ("pid", "a\0b"),
        ("k\0ey", "v"),
        ("\u{1}mark", "\u{1}\"x\""),
        ("nul", "\0"),
    ];
    given_link(&store, &link(&t, "odd", odd, DAY, T0)).await;
    // A value spelled like an escaped form of another is a different value.
    let lookalike: &[(&str, &str)] = &[("pid", "\u{1}\"a\\u0000b\""), ("nul", "\\u0000")];
    given_link(&store, &link(&t, "lookalike", lookalike, DAY, T0)).await;

    let got = store.get_link(&t, &sid("odd"), T0).await.unwrap();
    assert_eq!(got.map(|l| l.data), Some(data(odd)));
    let got = store.get_link(&t, &sid("lookalike"), T0).await.unwrap();
    assert_eq!(got.map(|l| l.data), Some(data(lookalike)));
    let matching = |filters: &[(&str, &str)]| {
        let store = Arc::clone(&store);
        let q = LinkQuery {
            filters: filters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..query(&t, 10, T0)
        };
        async move {
            let links = store.list_links(&q).await.unwrap().links;
            links
                .iter()
                .map(|l| l.shortlink_id.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(matching(&[("pid", "a\0b")]).await, vec!["odd"]);
    assert_eq!(
        matching(&[("k\0ey", "v"), ("nul", "\0")]).await,
        vec!["odd"]
    );
    assert_eq!(matching(&[("\u{1}mark", "\u{1}\"x\"")]).await, vec!["odd"]);
    assert_eq!(
        matching(&[("pid", "\u{1}\"a\\u0000b\"")]).await,
        vec!["lookalike"]
    );
    assert_eq!(matching(&[("nul", "\\u0000")]).await, vec!["lookalike"]);
    assert!(matching(&[("pid", "a")]).await.is_empty());
    assert!(matching(&[("key", "v")]).await.is_empty());
}
