//! Expiry as the caller's clock sees it, renewal on click, and the purge.

use std::sync::Arc;

use waylink_core::link::Link;
use waylink_core::ttl::Ttl;
use waylink_store::Store;

use crate::support::{
    DAY, HOUR, MINUTE, T0, at, given_a_template, given_link, given_template, ids, link, query, sid,
    template,
};

pub async fn a_link_is_gone_at_its_expiry_even_before_the_purge(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let l = link(&t, "bananas7", &[("pid", "sms")], MINUTE, T0);
    given_link(&store, &l).await;

    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE - 1))
            .await
            .unwrap(),
        Some(l.clone())
    );
    assert_eq!(
        store
            .list_links(&query(&t, 10, at(MINUTE - 1)))
            .await
            .unwrap()
            .links,
        vec![l]
    );

    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .list_links(&query(&t, 10, at(MINUTE)))
            .await
            .unwrap()
            .links,
        vec![]
    );
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), at(DAY)).await.unwrap(),
        None
    );
}

pub async fn a_click_pushes_a_renewing_links_expiry_to_click_time_plus_ttl(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let l = link(&t, "bananas7", &[("pid", "sms")], DAY, T0);
    given_link(&store, &l).await;

    let renewed = store
        .renew_link(&t, &sid("bananas7"), at(HOUR))
        .await
        .unwrap();

    assert_eq!(renewed, Some(at(HOUR + DAY)));
    assert_eq!(renewed, l.renewed_expiry(at(HOUR)));
    let expected = Link {
        updated_at: at(HOUR),
        expires_at: at(HOUR + DAY),
        ..l.clone()
    };
    // Still there past its first expiry.
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), at(DAY)).await.unwrap(),
        Some(expected)
    );

    // The last millisecond of its life is enough for one more click.
    let last = at(HOUR + DAY - 1);
    assert_eq!(
        store.renew_link(&t, &sid("bananas7"), last).await.unwrap(),
        Some(last.plus_millis(DAY))
    );
    assert!(
        store
            .get_link(&t, &sid("bananas7"), at(HOUR + DAY))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), last.plus_millis(DAY))
            .await
            .unwrap(),
        None
    );
}

pub async fn a_click_renews_nothing_on_a_link_made_with_renew_ttl_false(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    let l = Link {
        renew_ttl: false,
        ..link(&t, "bananas7", &[("pid", "sms")], DAY, T0)
    };
    given_link(&store, &l).await;

    assert_eq!(
        store
            .renew_link(&t, &sid("bananas7"), at(HOUR))
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(HOUR))
            .await
            .unwrap(),
        Some(l)
    );
    assert_eq!(
        store.get_link(&t, &sid("bananas7"), at(DAY)).await.unwrap(),
        None
    );
}

pub async fn a_click_on_an_expired_or_missing_link_renews_nothing(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    given_link(&store, &link(&t, "bananas7", &[("pid", "sms")], MINUTE, T0)).await;

    assert_eq!(
        store
            .renew_link(&t, &sid("bananas7"), at(MINUTE))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .renew_link(&t, &sid("bananas7"), at(HOUR))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.renew_link(&t, &sid("missing"), T0).await.unwrap(),
        None
    );

    // The refused click did not bring it back.
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_link(&t, &sid("bananas7"), at(MINUTE + 1))
            .await
            .unwrap(),
        None
    );
}

pub async fn renewal_never_shortens_a_link(store: Arc<dyn Store>) {
    let t = given_a_template(&store).await;
    // A link whose expiry lies further than its TTL, as after a TTL cut.
    let l = Link {
        ttl: Ttl::from_stored_seconds(3_600),
        expires_at: at(10 * DAY),
        ..link(&t, "bananas7", &[("pid", "sms")], DAY, T0)
    };
    given_link(&store, &l).await;

    let renewed = store
        .renew_link(&t, &sid("bananas7"), at(MINUTE))
        .await
        .unwrap();

    assert_eq!(renewed, l.renewed_expiry(at(MINUTE)));
    assert_eq!(renewed, Some(at(10 * DAY)));
    let stored = store
        .get_link(&t, &sid("bananas7"), at(MINUTE))
        .await
        .unwrap();
    assert_eq!(stored.map(|s| s.expires_at), Some(at(10 * DAY)));
}

pub async fn the_purge_deletes_exactly_the_expired_links(store: Arc<dyn Store>) {
    let t1 = given_a_template(&store).await;
    let second = template("Links2", "links2");
    given_template(&store, "acc_links", &second, T0).await;
    let t2 = second.id;
    let now = at(HOUR);
    let expired = [
        link(&t1, "e1", &[], MINUTE, T0),
        link(&t1, "e2", &[], MINUTE, at(HOUR - MINUTE)),
        link(&t2, "e3", &[], MINUTE, T0),
    ];
    let live = [
        link(&t1, "l1", &[], MINUTE, at(HOUR - MINUTE + 1)),
        link(&t1, "l2", &[], DAY, T0),
        link(&t2, "l3", &[], DAY, T0),
    ];
    for l in expired.iter().chain(&live) {
        given_link(&store, l).await;
    }
    // Exactly at its expiry, e2 goes; one millisecond before its own, l1 stays.
    assert_eq!(expired[1].expires_at, now);
    assert_eq!(live[0].expires_at, now.plus_millis(1));

    assert_eq!(store.purge_expired(now).await.unwrap(), 3);

    // Asked with a clock from before any expiry, only the live rows remain.
    let mut left = ids(&store.list_links(&query(&t1, 10, T0)).await.unwrap().links)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    left.extend(
        ids(&store.list_links(&query(&t2, 10, T0)).await.unwrap().links)
            .into_iter()
            .map(str::to_owned),
    );
    left.sort_unstable();
    assert_eq!(left, vec!["l1", "l2", "l3"]);
    assert_eq!(store.get_link(&t1, &sid("e1"), T0).await.unwrap(), None);
    for l in &live {
        assert_eq!(
            store
                .get_link(&l.template_id, &l.shortlink_id, now)
                .await
                .unwrap()
                .as_ref(),
            Some(l)
        );
    }

    assert_eq!(store.purge_expired(now).await.unwrap(), 0);
    assert_eq!(store.purge_expired(at(DAY)).await.unwrap(), 3);
    assert_eq!(
        store.list_links(&query(&t1, 10, T0)).await.unwrap().links,
        vec![]
    );
}
