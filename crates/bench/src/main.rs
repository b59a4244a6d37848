//! `waylink-bench`: runs the benchmark suite and writes its table.
//! See the crate documentation and docs/benchmarks.md.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use waylink_bench::{Options, run, server::waylink_binary};

/// Measures Waylink against a minimal baseline server on this machine.
#[derive(Debug, Parser)]
#[command(name = "waylink-bench")]
struct Args {
    /// Link counts of the redirect benchmark, comma-separated.
    #[arg(long, default_value = "10000,1000000", value_delimiter = ',')]
    links: Vec<usize>,
    /// Clicks stored before the launch benchmark (0 skips it).
    #[arg(long, default_value_t = 10_000_000)]
    clicks: u64,
    /// Seconds each measured load runs.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of unmeasured load before each measured one.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Open connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Also measure redirects and creates on this PostgreSQL database.
    #[arg(long, env = "WAYLINK_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Where the table is written.
    #[arg(long, default_value = "bench-results.md")]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = Options {
        binary: waylink_binary()?,
        link_counts: args.links,
        clicks: args.clicks,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
        connections: args.connections,
        baseline_threads: cores,
        database_url: args.database_url,
    };
    let report = run(&options).await?;
    let table = report.markdown();
    println!("{table}");
    std::fs::write(&args.out, &table).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("written to {}", args.out.display());
    Ok(())
}
