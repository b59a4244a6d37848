//! Attribution reads through indexes, whatever the number of clicks: with
//! 100,000 clicks stored, the query plans of the candidate lookups search
//! `clicks_by_advertising_id`, `clicks_by_ip_hash` and the primary key and
//! never scan `clicks`, and the lookups answer the latest matching clicks.
//!
//! The SQL below is the SQL of `clicks_by` and `click_by_id` in
//! `src/sqlite/installs.rs`, written out again: the store exposes no SQL.

use std::collections::BTreeMap;

use rusqlite::Connection;
use waylink_core::click::Click;
use waylink_core::clock::{DAY_MS, HOUR_MS, MINUTE_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::user_agent::DeviceKind;
use waylink_store::sqlite::{DATABASE_FILE, Durability, SqliteStore};
use waylink_store::{CandidateQuery, Store};

const CLICKS: usize = 100_000;
const BATCH: usize = 1_000;
/// Clicks share one of this many advertising ids...
const AD_IDS: u64 = 1_000;
/// ...and one of this many IP hashes.
const IPS: u64 = 300;
/// When the clicks end: 2026-01-31T00:00:00Z; they start 30 days before.
const END: Timestamp = Timestamp::from_millis(20_484 * DAY_MS);
/// Milliseconds between two clicks: 100,000 of them fill 30 days.
const STEP: i64 = 30 * DAY_MS / CLICKS as i64;

const COLUMNS: &str = "click_id, at, template_id, shortlink_id, data, device, os_version, device_model, referer, advertising_id, ip_hash, expired";

fn device(n: usize) -> DeviceKind {
    match n % 5 {
        0 | 1 => DeviceKind::Android,
        2 | 3 => DeviceKind::Ios,
        _ => DeviceKind::Desktop,
    }
}

/// A well-mixed number for `n` and `salt` (splitmix64).
fn mix(n: usize, salt: u64) -> u64 {
    let mut z = (n as u64)
        .wrapping_add(salt)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Click `n`: a spread of templates, devices, advertising ids (one in ten
/// clicks has none) and IP hashes over 30 days.
fn nth_click(n: usize) -> Click {
    let data: BTreeMap<String, String> = [("pid".to_owned(), format!("media{}", n % 7))]
        .into_iter()
        .collect();
    Click {
        click_id: format!("click{n:06}"),
        at: END.plus_millis(-30 * DAY_MS + n as i64 * STEP),
        template_id: TemplateId::from_stored(format!("Tpl{}", n % 3)),
        shortlink_id: None,
        data,
        device: device(n),
        os_version: Some("14".into()),
        device_model: None,
        referer: None,
        advertising_id: (!n.is_multiple_of(10)).then(|| format!("ad-{:05}", mix(n, 1) % AD_IDS)),
        ip_hash: Some(format!("{:064x}", mix(n, 2) % IPS)),
        expired: n.is_multiple_of(97),
    }
}

/// Every row of `EXPLAIN QUERY PLAN sql`, as its detail text.
fn plan(c: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = c
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("the plan");
    let unbound = vec![rusqlite::types::Value::Null; stmt.parameter_count()];
    stmt.query_map(rusqlite::params_from_iter(unbound), |row| {
        row.get::<_, String>(3)
    })
    .expect("the plan runs")
    .collect::<Result<_, _>>()
    .expect("the plan is read")
}

fn assert_searches(plan: &[String], index: &str) {
    assert!(
        plan.iter()
            .any(|row| row.starts_with("SEARCH clicks USING ") && row.contains(index)),
        "{plan:?} does not search {index}"
    );
    assert!(
        !plan.iter().any(|row| row.starts_with("SCAN clicks")),
        "{plan:?} scans clicks"
    );
    assert!(
        !plan.iter().any(|row| row.contains("TEMP B-TREE")),
        "{plan:?} sorts in a temporary b-tree instead of reading the index in order"
    );
}

/// The latest `limit` clicks that `key` picks among `clicks`, newest first,
/// made the slow way.
fn latest(
    clicks: &[Click],
    key: impl Fn(&Click) -> bool,
    device: DeviceKind,
    since: Timestamp,
    until: Timestamp,
    limit: usize,
) -> Vec<&str> {
    let mut found: Vec<&Click> = clicks
        .iter()
        .filter(|c| key(c) && c.device == device && c.at >= since && c.at <= until)
        .collect();
    found.sort_by_key(|c| std::cmp::Reverse(c.at));
    found
        .into_iter()
        .take(limit)
        .map(|c| c.click_id.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn candidate_lookups_use_their_indexes_among_100000_clicks_and_find_the_latest() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path(), Durability::Process).expect("the store opens");
    let clicks: Vec<Click> = (0..CLICKS).map(nth_click).collect();
    for batch in clicks.chunks(BATCH) {
        store.record_clicks(batch).await.expect("a batch is stored");
    }

    let c = Connection::open(dir.path().join(DATABASE_FILE)).expect("a second connection");
    let count: i64 = c
        .query_row("SELECT COUNT(*) FROM clicks", [], |row| row.get(0))
        .expect("counted");
    assert_eq!(count, CLICKS as i64);
    for (column, index) in [
        ("advertising_id", "clicks_by_advertising_id"),
        ("ip_hash", "clicks_by_ip_hash"),
    ] {
        let sql = format!(
            "SELECT {COLUMNS} FROM clicks WHERE {column} = ?1 AND device = ?2 AND at >= ?3 AND at <= ?4 ORDER BY at DESC LIMIT ?5"
        );
        assert_searches(&plan(&c, &sql), index);
    }
    let by_id = plan(
        &c,
        &format!("SELECT {COLUMNS} FROM clicks WHERE click_id = ?1"),
    );
    assert_searches(&by_id, "sqlite_autoindex_clicks_1 (click_id=?)");

    // An install at the 20th day: the latest clicks of an advertising id
    // within 30 days and of an IP hash within 24 hours, for its platform.
    let probe = clicks[66_666].clone();
    let install = probe.at.plus_millis(3 * MINUTE_MS);
    for device in [DeviceKind::Android, DeviceKind::Ios] {
        let query = CandidateQuery {
            click_id: Some(clicks[12_345].click_id.clone()),
            advertising_id: Some("ad-00042".into()),
            ip_hash: probe.ip_hash.clone(),
            platform: device,
            at: install,
            limit: 5,
        };
        let found = store
            .attribution_candidates(&query)
            .await
            .expect("candidates");
        assert_eq!(found.referrer, vec![clicks[12_345].clone()]);
        let ids =
            |list: &[Click]| -> Vec<String> { list.iter().map(|c| c.click_id.clone()).collect() };
        let by_ad = latest(
            &clicks,
            |c| c.advertising_id.as_deref() == Some("ad-00042"),
            device,
            install.plus_millis(-30 * DAY_MS),
            install,
            5,
        );
        assert_eq!(by_ad.len(), 5, "the probe has enough clicks to bound");
        assert_eq!(ids(&found.advertising_id), by_ad);
        let by_ip = latest(
            &clicks,
            |c| c.ip_hash == probe.ip_hash,
            device,
            install.plus_millis(-24 * HOUR_MS),
            install,
            5,
        );
        assert_eq!(ids(&found.ip), by_ip);
        if device == probe.device {
            assert!(found.ip.contains(&probe), "{:?}", ids(&found.ip));
        }
    }
}
