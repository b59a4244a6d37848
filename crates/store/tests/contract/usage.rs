//! Usage counters: requests per second and quota units per UTC day.

use std::sync::Arc;

use waylink_core::quota::Usage;
use waylink_store::Store;

use crate::support::{DAY, HOUR, MIDNIGHT, SECOND, T0, at, given_account};

pub async fn each_request_in_a_second_counts_one_more_and_a_new_second_starts_at_one(
    store: Arc<dyn Store>,
) {
    given_account(&store, "acc_feedme").await;
    // T0 is the first millisecond of a second.
    let seconds = [
        (T0, 1),
        (at(1), 2),
        (at(SECOND - 1), 3),
        (at(SECOND), 1),
        (at(SECOND + 500), 2),
        (at(2 * SECOND - 1), 3),
        (at(2 * SECOND), 1),
    ];
    for (now, this_second) in seconds {
        let usage = store.charge_request("acc_feedme", now).await.unwrap();
        assert_eq!(
            usage,
            Usage {
                this_second,
                today: 0
            },
            "at {now:?}"
        );
    }
}

pub async fn a_request_reports_the_quota_used_today_without_using_any(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    assert_eq!(store.charge_quota("acc_feedme", T0, 3).await.unwrap(), 3);

    let usage = store.charge_request("acc_feedme", at(HOUR)).await.unwrap();

    assert_eq!(
        usage,
        Usage {
            this_second: 1,
            today: 3
        }
    );
    assert_eq!(store.quota_used("acc_feedme", at(HOUR)).await.unwrap(), 3);
    assert_eq!(
        store
            .charge_request("acc_feedme", at(HOUR))
            .await
            .unwrap()
            .today,
        3
    );
}

pub async fn charging_quota_adds_units_and_answers_the_days_total(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    assert_eq!(store.quota_used("acc_feedme", T0).await.unwrap(), 0);

    assert_eq!(store.charge_quota("acc_feedme", T0, 1).await.unwrap(), 1);
    assert_eq!(
        store.charge_quota("acc_feedme", at(HOUR), 5).await.unwrap(),
        6
    );
    assert_eq!(
        store
            .charge_quota("acc_feedme", at(2 * HOUR), 0)
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        store
            .charge_quota("acc_feedme", at(3 * HOUR), 250)
            .await
            .unwrap(),
        256
    );

    // Any time of the day reads the day's total, earlier ones included.
    assert_eq!(store.quota_used("acc_feedme", MIDNIGHT).await.unwrap(), 256);
    assert_eq!(
        store.quota_used("acc_feedme", at(4 * HOUR)).await.unwrap(),
        256
    );
    assert_eq!(store.quota_used("acc_nobody", T0).await.unwrap(), 0);
}

pub async fn the_quota_day_turns_at_midnight_utc(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    let first_of_today = MIDNIGHT;
    let last_of_today = MIDNIGHT.plus_millis(DAY - 1);
    let first_of_tomorrow = MIDNIGHT.plus_millis(DAY);

    assert_eq!(
        store
            .charge_quota("acc_feedme", first_of_today, 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .charge_quota("acc_feedme", last_of_today, 5)
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        store
            .quota_used("acc_feedme", first_of_tomorrow)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .charge_request("acc_feedme", first_of_tomorrow)
            .await
            .unwrap()
            .today,
        0
    );
    assert_eq!(
        store
            .charge_quota("acc_feedme", first_of_tomorrow, 1)
            .await
            .unwrap(),
        1
    );

    assert_eq!(
        store.quota_used("acc_feedme", last_of_today).await.unwrap(),
        7
    );
    assert_eq!(
        store
            .quota_used("acc_feedme", first_of_tomorrow)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .quota_used("acc_feedme", first_of_tomorrow.plus_millis(DAY - 1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .quota_used("acc_feedme", first_of_tomorrow.plus_millis(DAY))
            .await
            .unwrap(),
        0
    );
    // The day before today saw nothing.
    assert_eq!(
        store
            .quota_used("acc_feedme", first_of_today.plus_millis(-1))
            .await
            .unwrap(),
        0
    );
}

pub async fn usage_counters_are_per_account(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    given_account(&store, "acc_other").await;
    for _ in 0..3 {
        store.charge_request("acc_feedme", T0).await.unwrap();
    }
    store.charge_quota("acc_feedme", T0, 5).await.unwrap();

    assert_eq!(
        store.charge_request("acc_other", T0).await.unwrap(),
        Usage {
            this_second: 1,
            today: 0
        }
    );
    assert_eq!(store.quota_used("acc_other", T0).await.unwrap(), 0);
    assert_eq!(store.charge_quota("acc_other", T0, 2).await.unwrap(), 2);

    assert_eq!(
        store.charge_request("acc_feedme", T0).await.unwrap(),
        Usage {
            this_second: 4,
            today: 5
        }
    );
    assert_eq!(store.quota_used("acc_feedme", T0).await.unwrap(), 5);
}

pub async fn concurrent_charges_are_each_counted_once(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    const N: u64 = 40;
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let request = store.charge_request("acc_feedme", T0).await.unwrap();
                let quota = store.charge_quota("acc_feedme", T0, 1).await.unwrap();
                (request.this_second, quota)
            })
        })
        .collect();
    let mut seconds = Vec::new();
    let mut totals = Vec::new();
    for task in tasks {
        let (second, total) = task.await.unwrap();
        seconds.push(second);
        totals.push(total);
    }
    seconds.sort_unstable();
    totals.sort_unstable();

    let expected: Vec<u64> = (1..=N).collect();
    assert_eq!(seconds, expected);
    assert_eq!(totals, expected);
    assert_eq!(store.quota_used("acc_feedme", T0).await.unwrap(), N);
}

pub async fn a_purge_keeps_the_current_usage_counters(store: Arc<dyn Store>) {
    given_account(&store, "acc_feedme").await;
    store.charge_request("acc_feedme", T0).await.unwrap();
    store.charge_quota("acc_feedme", T0, 4).await.unwrap();

    assert_eq!(store.purge_expired(T0).await.unwrap(), 0);

    assert_eq!(store.quota_used("acc_feedme", T0).await.unwrap(), 4);
    assert_eq!(
        store.charge_request("acc_feedme", T0).await.unwrap(),
        Usage {
            this_second: 2,
            today: 4
        }
    );
}
