//! Waylink's benchmark suite. `cargo run --release -p waylink-bench` builds
//! the `waylink` binary, starts it as a process of its own on a fresh
//! store, and measures with `wrk` (installed when missing):
//!
//! - link creation through the batch API (seeding the links), and through
//!   v1 single creates at 64 connections;
//! - redirects at 64 connections, uniformly at random over 10,000 and over
//!   1,000,000 links, with an Android user agent so every request is a
//!   recorded click, next to a minimal hyper server answering the same
//!   paths from a map ([`baseline`]), measured in the same run;
//! - clicks lost (counted from the server's metrics after the run), peak
//!   memory after the redirects, and start-up to the first redirect;
//! - SDK install launches with attribution over 10,000,000 stored clicks;
//! - with `--database-url`, redirects and creates on PostgreSQL too.
//!
//! It prints a Markdown table and writes it to a file. Nothing here is a
//! pass/fail test; the test suite runs [`run`] in a tiny configuration to
//! keep it working.

pub mod baseline;
mod dashboard;
pub mod lua;
mod probe;
pub mod report;
mod scenarios;
pub mod seed;
pub mod server;
pub mod wrk;

use std::path::PathBuf;
use std::time::Duration;

pub use report::{Report, Row};
pub use scenarios::run;

/// What one run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `waylink` binary to measure.
    pub binary: PathBuf,
    /// Link counts the redirect benchmark runs over.
    pub link_counts: Vec<usize>,
    /// Clicks stored before the launch benchmark (0: no launch benchmark).
    pub clicks: u64,
    /// Length of each measured load.
    pub duration: Duration,
    /// Length of the unmeasured load before it.
    pub warmup: Duration,
    /// Open connections of the load generator.
    pub connections: usize,
    /// Worker threads of the baseline server (the server under test gets
    /// tokio's default: one per core).
    pub baseline_threads: usize,
    /// Also measure on this PostgreSQL database (in a scratch schema).
    pub database_url: Option<String>,
}
