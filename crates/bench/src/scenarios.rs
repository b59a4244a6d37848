//! The run: each scenario in turn, on one machine, in one process tree.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use waylink_core::clock::Timestamp;
use waylink_store::postgres::ScratchSchema;
use waylink_store::sqlite::{Durability, SqliteStore};

use crate::baseline::Baseline;
use crate::probe::{counters, drained, tap};
use crate::report::{Report, Row, thousands};
use crate::seed::{self, Keys, LINK_PREFIX, SUBDOMAIN, TEMPLATE};
use crate::server::{BASE_DOMAIN, Server, ServerSpec};
use crate::wrk::{self, Load, Measured};
use crate::{Options, dashboard, lua};

/// Connections of the dashboard's load: a few people reading pages.
const DASHBOARD_CONNECTIONS: usize = 2;

/// Runs every scenario `options` asks for and answers the report.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    wrk::ensure_installed()?;
    let work = tempfile::tempdir()?;
    let mut report = Report {
        context: context(options),
        rows: Vec::new(),
    };
    let mut counts = options.link_counts.clone();
    counts.sort_unstable();
    counts.dedup();
    let most = *counts.last().context("at least one link count")?;
    let spec = ServerSpec {
        binary: options.binary.clone(),
        data_dir: work.path().join("sqlite"),
        database_url: None,
    };

    eprintln!("SQLite: seeding {most} links through the batch API");
    let server = Server::start(&spec)?;
    let keys = seed::account(&server.base).await?;
    report
        .rows
        .push(batch_row(&server, &keys, most, "SQLite").await?);
    let mut baselines = Vec::new();
    for &links in &counts {
        eprintln!("redirects over {links} links: baseline, then SQLite");
        let floor = baseline(options, work.path(), links).await?;
        report.rows.push(baseline_row(links, &floor));
        let row = redirect_row(options, work.path(), &server, links, &floor, "SQLite").await?;
        report.rows.push(row);
        baselines.push((links, floor));
    }
    let (peak, _) = server.memory()?;
    let mib = peak as f64 / (1024.0 * 1024.0);
    report.rows.push(Row {
        scenario: format!(
            "peak memory (RSS) with {} live links, after the redirects",
            thousands(most as f64)
        ),
        store: "SQLite".into(),
        value: format!("{mib:.0} MiB"),
        target: "≤ 1024 MiB".into(),
        met: Some(mib <= 1024.0),
        ..Row::default()
    });
    eprintln!("v1 single creates");
    report
        .rows
        .push(creates_row(options, work.path(), &server, &keys, "SQLite").await?);
    server.stop()?;

    eprintln!("start-up with {most} links");
    report.rows.push(startup_row(&spec, most).await?);

    if options.clicks > 0 {
        eprintln!("storing {} clicks for the launch benchmark", options.clicks);
        let store = SqliteStore::open(&spec.data_dir, Durability::Process)?;
        seed::clicks(&store, options.clicks, most, now()).await?;
        drop(store);
        let server = Server::start(&spec)?;
        report
            .rows
            .push(launch_row(options, work.path(), &server, &keys).await?);
        eprintln!("dashboard pages next to the API calls that read the same data");
        // A few marketers at once, not a crowd: pages are read by people.
        // No warm-up and twice the time: a statistics page over millions
        // of clicks takes seconds, and wrk must see some finish.
        let people = Options {
            connections: DASHBOARD_CONNECTIONS,
            warmup: Duration::ZERO,
            duration: options.duration * 2,
            ..options.clone()
        };
        let rows = dashboard::rows(work.path(), &server.base, &keys, options.clicks, |script| {
            let (base, people) = (server.base.clone(), people.clone());
            async move { measure(&base, &script, &people).await }
        })
        .await?;
        report.rows.extend(rows);
        server.stop()?;
    }

    if let Some(url) = &options.database_url {
        let (links, floor) = baselines.first().context("a baseline")?;
        report
            .rows
            .extend(postgres_rows(options, work.path(), url, *links, floor).await?);
    }
    Ok(report)
}

fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Timestamp::from_millis(millis)
}

fn context(options: &Options) -> Vec<String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    vec![
        format!("machine: {cores} cores ({cpu}); the load generator runs on the same machine"),
        format!(
            "load: wrk, {} connections, {} threads, {} s measured after {} s of warm-up",
            options.connections,
            options.connections.clamp(1, 2),
            options.duration.as_secs(),
            options.warmup.as_secs()
        ),
        format!(
            "baseline: a minimal hyper server with {} worker threads answering 302 from a HashMap of the same paths",
            options.baseline_threads
        ),
    ]
}

/// Runs the warm-up, then the measured load; answers the measured one and
/// how many responses both got together.
async fn measure_all(
    base: &str,
    script: &Path,
    options: &Options,
) -> anyhow::Result<(Measured, u64)> {
    let (base, script) = (base.to_owned(), script.to_owned());
    let (connections, warmup, duration) = (options.connections, options.warmup, options.duration);
    tokio::task::spawn_blocking(move || {
        let mut answered = 0;
        if !warmup.is_zero() {
            let load = Load {
                base: &base,
                connections,
                duration: warmup,
                script: &script,
            };
            answered += wrk::run(&load)?.requests;
        }
        let m = wrk::run(&Load {
            base: &base,
            connections,
            duration,
            script: &script,
        })?;
        answered += m.requests;
        Ok((m, answered))
    })
    .await?
}

async fn measure(base: &str, script: &Path, options: &Options) -> anyhow::Result<Measured> {
    Ok(measure_all(base, script, options).await?.0)
}

async fn baseline(options: &Options, dir: &Path, links: usize) -> anyhow::Result<Measured> {
    let floor = Baseline::start(TEMPLATE, LINK_PREFIX, links, options.baseline_threads)?;
    let script = lua::redirects(dir, &host(), TEMPLATE, LINK_PREFIX, links)?;
    measure(&format!("http://{}", floor.address), &script, options).await
}

fn host() -> String {
    format!("{SUBDOMAIN}.{BASE_DOMAIN}")
}

fn baseline_row(links: usize, m: &Measured) -> Row {
    Row {
        scenario: format!("redirect, {} links", thousands(links as f64)),
        store: "baseline".into(),
        value: format!("{} req/s", thousands(m.per_second)),
        vs_baseline: Some(1.0),
        p50_ms: Some(m.p50_ms),
        p99_ms: Some(m.p99_ms),
        failures: Some(format!("{}", m.error_statuses + m.socket_errors)),
        ..Row::default()
    }
}

async fn redirect_row(
    options: &Options,
    dir: &Path,
    server: &Server,
    links: usize,
    floor: &Measured,
    store: &str,
) -> anyhow::Result<Row> {
    for i in [0, links - 1] {
        let path = format!("/{TEMPLATE}/{LINK_PREFIX}{i}");
        let status = tap(&server.base, &host(), &path).await?;
        if status != 302 {
            bail!("{path} answered {status}, not 302: the links were not seeded");
        }
    }
    let before = counters(&server.base).await?;
    let script = lua::redirects(dir, &host(), TEMPLATE, LINK_PREFIX, links)?;
    let (m, answered) = measure_all(&server.base, &script, options).await?;
    let after = drained(&server.base).await?;
    // Clicks lost: refused by a full queue or by storage, and any answered
    // redirect whose click was never stored (each one queues a click).
    let refused = (after.dropped - before.dropped) + (after.failed - before.failed);
    let written = after.written - before.written;
    let lost = refused + answered.saturating_sub(written);
    let ratio = m.per_second / floor.per_second;
    let failures = m.error_statuses + m.socket_errors;
    Ok(Row {
        scenario: format!("redirect, {} links", thousands(links as f64)),
        store: store.into(),
        value: format!("{} req/s", thousands(m.per_second)),
        vs_baseline: Some(ratio),
        p50_ms: Some(m.p50_ms),
        p99_ms: Some(m.p99_ms),
        failures: Some(format!("{failures} non-3xx, {lost} clicks lost")),
        target: "≥ 0.8× baseline, p99 ≤ 5 ms, 0 non-3xx, 0 lost".into(),
        met: Some(ratio >= 0.8 && m.p99_ms <= 5.0 && failures == 0 && lost == 0),
    })
}

async fn batch_row(server: &Server, keys: &Keys, links: usize, store: &str) -> anyhow::Result<Row> {
    let took = seed::links(&server.base, keys, 0, links).await?;
    let rate = links as f64 / took.as_secs_f64();
    Ok(Row {
        scenario: format!(
            "batch create, {} links in requests of 10,000",
            thousands(links as f64)
        ),
        store: store.into(),
        value: format!("{} links/s", thousands(rate)),
        target: "≥ 100,000 links/s".into(),
        met: Some(rate >= 100_000.0),
        ..Row::default()
    })
}

async fn creates_row(
    options: &Options,
    dir: &Path,
    server: &Server,
    keys: &Keys,
    store: &str,
) -> anyhow::Result<Row> {
    let script = lua::v1_creates(dir, TEMPLATE, &keys.api_key)?;
    let m = measure(&server.base, &script, options).await?;
    let failures = m.error_statuses + m.socket_errors;
    Ok(Row {
        scenario: format!("v1 single create, {} connections", options.connections),
        store: store.into(),
        value: format!("{} links/s", thousands(m.per_second)),
        p50_ms: Some(m.p50_ms),
        p99_ms: Some(m.p99_ms),
        failures: Some(format!("{failures} errors")),
        target: "≥ 10,000 links/s".into(),
        met: Some(m.per_second >= 10_000.0 && failures == 0),
        ..Row::default()
    })
}

async fn startup_row(spec: &ServerSpec, links: usize) -> anyhow::Result<Row> {
    let started = Instant::now();
    let server = Server::start(spec)?;
    let path = format!("/{TEMPLATE}/{LINK_PREFIX}{}", links / 2);
    let status = tap(&server.base, &host(), &path).await?;
    let took = started.elapsed();
    server.stop()?;
    if status != 302 {
        bail!("the first redirect after start-up answered {status}");
    }
    Ok(Row {
        scenario: format!(
            "start-up to the first redirect, {} links",
            thousands(links as f64)
        ),
        store: "SQLite".into(),
        value: format!("{:.0} ms", took.as_secs_f64() * 1000.0),
        target: "≤ 2000 ms".into(),
        met: Some(took <= Duration::from_secs(2)),
        ..Row::default()
    })
}

async fn launch_row(
    options: &Options,
    dir: &Path,
    server: &Server,
    keys: &Keys,
) -> anyhow::Result<Row> {
    let script = lua::launches(dir, &keys.sdk_key, options.clicks)?;
    let m = measure(&server.base, &script, options).await?;
    let failures = m.error_statuses + m.socket_errors;
    Ok(Row {
        scenario: format!(
            "SDK install launch with attribution, {} clicks stored",
            thousands(options.clicks as f64)
        ),
        store: "SQLite".into(),
        value: format!("{} launches/s", thousands(m.per_second)),
        p50_ms: Some(m.p50_ms),
        p99_ms: Some(m.p99_ms),
        failures: Some(format!("{failures} errors")),
        target: "p99 ≤ 10 ms".into(),
        met: Some(m.p99_ms <= 10.0 && failures == 0),
        ..Row::default()
    })
}

/// Redirects and creates on PostgreSQL, in a scratch schema dropped after.
async fn postgres_rows(
    options: &Options,
    dir: &Path,
    url: &str,
    links: usize,
    floor: &Measured,
) -> anyhow::Result<Vec<Row>> {
    eprintln!("PostgreSQL: seeding {links} links, redirects, creates");
    let schema = ScratchSchema::create(url).await?;
    let separator = if url.contains('?') { '&' } else { '?' };
    let name = schema.name();
    let spec = ServerSpec {
        binary: options.binary.clone(),
        data_dir: dir.join("postgres-node"),
        database_url: Some(format!(
            "{url}{separator}options=-c%20search_path%3D{name}&application_name={name}"
        )),
    };
    let server = Server::start(&spec)?;
    let keys = seed::account(&server.base).await?;
    let mut rows = vec![batch_row(&server, &keys, links, "PostgreSQL").await?];
    rows.push(redirect_row(options, dir, &server, links, floor, "PostgreSQL").await?);
    rows.push(creates_row(options, dir, &server, &keys, "PostgreSQL").await?);
    server.stop()?;
    drop(schema);
    Ok(rows)
}
