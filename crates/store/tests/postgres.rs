//! What only the PostgreSQL store has: migrations shared by nodes that
//! start together, and the URL's own search path. Run when
//! `WAYLINK_TEST_DATABASE_URL` names a server; skipped, and saying so on
//! stderr, when it does not.

use std::io::Write;

use waylink_core::account::Account;
use waylink_core::clock::Timestamp;
use waylink_store::postgres::{PostgresStore, ScratchSchema, test_database_url};
use waylink_store::{Store, StoreError, StoredKey};

/// A fresh schema on the test server, or `None` (after saying so) when no
/// server is named.
async fn scratch(test: &str) -> Option<(String, ScratchSchema)> {
    let Some(url) = test_database_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: WAYLINK_TEST_DATABASE_URL is not set (PostgreSQL test): {test}"
        );
        return None;
    };
    let schema = ScratchSchema::create(&url)
        .await
        .expect("a scratch schema is created");
    Some((url, schema))
}

/// `url` with its search path set to `schema` through the URL itself.
fn url_in(url: &str, schema: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}options=-c%20search_path%3D{schema}")
}

/// A client of its own on the scratch schema, to look behind the store.
async fn client(url: &str, schema: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url_in(url, schema), tokio_postgres::NoTls)
        .await
        .expect("connected");
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn nodes_starting_together_apply_each_migration_once() {
    let Some((url, schema)) = scratch("nodes_starting_together_apply_each_migration_once").await
    else {
        return;
    };
    let url = url_in(&url, schema.name());
    let nodes: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PostgresStore::migrate(&url).await })
        })
        .collect();
    let mut applied = Vec::new();
    for node in nodes {
        applied.extend(node.await.unwrap().expect("every node starts"));
    }
    applied.sort_unstable();

    assert_eq!(applied, every_version());
    assert!(PostgresStore::migrate(&url).await.unwrap().is_empty());
    let recorded: Vec<i64> = client(&test_database_url().unwrap(), schema.name())
        .await
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(recorded, every_version());
}

#[tokio::test]
async fn a_database_newer_than_the_binary_is_refused() {
    let Some((url, schema)) = scratch("a_database_newer_than_the_binary_is_refused").await else {
        return;
    };
    schema.store(1).await.expect("the first start migrates");
    client(&url, schema.name())
        .await
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)",
            &[],
        )
        .await
        .unwrap();

    match schema.store(1).await {
        Err(StoreError::Internal(message)) => {
            assert!(message.contains("newer than this binary"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_search_path_of_the_url_is_kept() {
    let Some((url, schema)) = scratch("the_search_path_of_the_url_is_kept").await else {
        return;
    };
    let through_url = PostgresStore::connect(&url_in(&url, schema.name()), 2)
        .await
        .expect("connected through the URL's options");
    let account = Account {
        account_id: "acc_path".into(),
        name: "path".into(),
        daily_quota: 10,
        rate_limit: Some(5),
    };
    let key = StoredKey {
        hash: "ab".repeat(32),
        hint: "wl_live_path".into(),
    };
    through_url
        .create_account(&account, &key, Timestamp::from_millis(1))
        .await
        .unwrap();

    let through_schema = schema.store(2).await.unwrap();
    assert_eq!(
        through_schema.get_account("acc_path").await.unwrap(),
        Some(account)
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // Needs no server: nothing listens on port 1.
    match PostgresStore::connect(
        "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2",
        1,
    )
    .await
    {
        Err(StoreError::Unavailable(message)) => {
            assert!(!message.contains("postgres://"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_url_or_schema_name_is_refused() {
    assert!(matches!(
        PostgresStore::connect("postgres://[::1", 1).await,
        Err(StoreError::Internal(_))
    ));
    assert!(matches!(
        PostgresStore::connect_with_schema("postgres://postgres@127.0.0.1:1/x", "a; DROP", 1).await,
        Err(StoreError::Internal(_))
    ));
}

/// 1..=N for the N migration files the PostgreSQL store ships.
fn every_version() -> Vec<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let files = std::fs::read_dir(dir)
        .expect("the migrations folder")
        .filter(|e| e.is_ok())
        .count();
    (1..=files as i64).collect()
}
