//! The migration that made the daily click counters (version 6) fills them
//! from the clicks already stored: undone and applied again over stored
//! clicks, it gives the statistics the counters gave. On SQLite always, on
//! PostgreSQL when `WAYLINK_TEST_DATABASE_URL` names a server (skipped,
//! saying so on stderr, when it does not).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use waylink_core::click::Click;
use waylink_core::clock::{DAY_MS, HOUR_MS, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_core::stats::{Counts, Group};
use waylink_core::user_agent::DeviceKind;
use waylink_store::postgres::{ScratchSchema, test_database_url};
use waylink_store::sqlite::{DATABASE_FILE, Durability, SqliteStore};
use waylink_store::{StatsQuery, Store};

/// 2026-01-01T00:00:00Z.
const MIDNIGHT: i64 = 20_454 * DAY_MS;

/// What undoes migration 6, so that the next start applies it again.
const UNDO: &str = "DROP TABLE click_counts; DROP TABLE link_click_counts; DELETE FROM schema_migrations WHERE version = 6;";

fn template() -> TemplateId {
    TemplateId::parse("Links1").expect("a template id")
}

/// Clicks over two days with absent, empty, set and odd pids and
/// campaigns, on links, on none and on gone links.
fn clicks() -> Vec<Click> {
    let pids = [None, Some(""), Some("sms"), Some("a\0b")];
    let campaigns = [None, Some(""), Some("\u{1}x")];
    (0..40i64)
        .map(|i| {
            let mut data = BTreeMap::new();
            if let Some(pid) = pids[(i % 4) as usize] {
                data.insert("pid".to_owned(), pid.to_owned());
            }
            if let Some(c) = campaigns[(i % 3) as usize] {
                data.insert("c".to_owned(), c.to_owned());
            }
            Click {
                click_id: format!("b{i}"),
                at: Timestamp::from_millis(MIDNIGHT + i * HOUR_MS + i),
                template_id: template(),
                shortlink_id: (i % 5 != 0).then(|| format!("link{}", i % 2)),
                data,
                device: if i % 2 == 0 {
                    DeviceKind::Android
                } else {
                    DeviceKind::Ios
                },
                os_version: None,
                device_model: None,
                referer: None,
                advertising_id: None,
                ip_hash: None,
                expired: i % 7 == 0,
            }
        })
        .collect()
}

/// The statistics of the two whole days, for the template and one link.
async fn whole_days(store: &Arc<dyn Store>) -> Vec<Vec<(Group, Counts)>> {
    let mut all = Vec::new();
    for link in [None, Some("link1")] {
        let q = StatsQuery {
            template_id: template(),
            shortlink_id: link.map(str::to_owned),
            app_ids: Vec::new(),
            from: Timestamp::from_millis(MIDNIGHT),
            to: Timestamp::from_millis(MIDNIGHT + 2 * DAY_MS),
        };
        all.push(store.stats_rows(&q).await.expect("stats"));
    }
    let total: u64 = all[0].iter().map(|(_, c)| c.clicks).sum();
    assert_eq!(total, 40);
    all
}

#[tokio::test]
async fn on_sqlite_the_migration_fills_the_counters_from_the_stored_clicks() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path(), Durability::Process).expect("the store opens"));
    store.record_clicks(&clicks()).await.expect("clicks");
    let before = whole_days(&store).await;
    drop(store);

    let db = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("the database");
    db.execute_batch(UNDO).expect("migration 6 undone");
    drop(db);
    assert_eq!(SqliteStore::migrate(dir.path()).expect("migrated"), vec![6]);
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path(), Durability::Process).expect("the store opens"));
    assert_eq!(whole_days(&store).await, before);
}

#[tokio::test]
async fn on_postgresql_the_migration_fills_the_counters_from_the_stored_clicks() {
    let Some(url) = test_database_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: WAYLINK_TEST_DATABASE_URL is not set (PostgreSQL test): on_postgresql_the_migration_fills_the_counters_from_the_stored_clicks"
        );
        return;
    };
    let schema = ScratchSchema::create(&url).await.expect("a scratch schema");
    let store: Arc<dyn Store> = Arc::new(schema.store(2).await.expect("the store opens"));
    store.record_clicks(&clicks()).await.expect("clicks");
    let before = whole_days(&store).await;
    drop(store);

    let joiner = if url.contains('?') { '&' } else { '?' };
    let in_schema = format!("{url}{joiner}options=-c%20search_path%3D{}", schema.name());
    let (client, connection) = tokio_postgres::connect(&in_schema, tokio_postgres::NoTls)
        .await
        .expect("connected");
    tokio::spawn(connection);
    client
        .batch_execute(UNDO)
        .await
        .expect("migration 6 undone");
    drop(client);
    let store: Arc<dyn Store> = Arc::new(schema.store(2).await.expect("the store opens"));
    assert_eq!(whole_days(&store).await, before);
}
