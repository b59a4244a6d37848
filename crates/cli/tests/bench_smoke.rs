//! The benchmark suite in a tiny configuration: a few hundred links, a
//! thousand clicks, one-second loads. It checks that every scenario runs
//! and reports, not how fast anything is (the numbers of so short a run
//! mean nothing). Skipped, and says so, when `wrk` is not installed;
//! `.ci/run` installs it. With `WAYLINK_TEST_DATABASE_URL` set, the
//! PostgreSQL rows run too.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use waylink_bench::{Options, run, wrk};
use waylink_store::postgres::test_database_url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_runs_and_reports_in_a_tiny_configuration() {
    if !wrk::installed() {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: wrk is not installed (benchmark smoke test); apt-get install wrk"
        );
        return;
    }
    let options = Options {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_waylink")),
        link_counts: vec![300],
        clicks: 1_000,
        duration: Duration::from_secs(1),
        warmup: Duration::ZERO,
        connections: 4,
        baseline_threads: 1,
        database_url: test_database_url(),
    };
    let report = run(&options).await.expect("the benchmarks run");
    let scenarios: Vec<(&str, &str)> = report
        .rows
        .iter()
        .map(|r| (r.scenario.as_str(), r.store.as_str()))
        .collect();
    let mut expected = vec![
        ("batch create, 300 links in requests of 10,000", "SQLite"),
        ("redirect, 300 links", "baseline"),
        ("redirect, 300 links", "SQLite"),
        (
            "peak memory (RSS) with 300 live links, after the redirects",
            "SQLite",
        ),
        ("v1 single create, 4 connections", "SQLite"),
        ("start-up to the first redirect, 300 links", "SQLite"),
        (
            "SDK install launch with attribution, 1,000 clicks stored",
            "SQLite",
        ),
        ("dashboard templates: JSON API", "API (baseline)"),
        ("dashboard templates", "page"),
        (
            "dashboard links, first page of 25: JSON API",
            "API (baseline)",
        ),
        ("dashboard links, first page of 25", "page"),
        (
            "dashboard statistics, 30 days, 1,000 clicks stored: JSON API",
            "API (baseline)",
        ),
        ("dashboard statistics, 30 days, 1,000 clicks stored", "page"),
    ];
    if options.database_url.is_some() {
        expected.extend([
            (
                "batch create, 300 links in requests of 10,000",
                "PostgreSQL",
            ),
            ("redirect, 300 links", "PostgreSQL"),
            ("v1 single create, 4 connections", "PostgreSQL"),
        ]);
    }
    assert_eq!(scenarios, expected);
    for row in &report.rows {
        assert!(!row.value.is_empty(), "{row:?}");
        if let Some(failures) = &row.failures {
            assert!(failures.starts_with("0"), "{row:?}");
            assert!(
                !failures.contains("clicks lost") || failures.ends_with(" 0 clicks lost"),
                "{row:?}"
            );
        }
    }
    let table = report.markdown();
    assert!(
        table.contains("| redirect, 300 links | SQLite |"),
        "{table}"
    );
}
