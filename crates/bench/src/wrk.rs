//! The load generator: `wrk` (Debian's package), installed by the bench
//! when it is missing, driven by Lua scripts the bench writes, and its
//! report read back into numbers.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

/// Makes sure `wrk` runs, installing Debian's package when it does not and
/// the bench may (as root, with `apt-get`).
pub fn ensure_installed() -> anyhow::Result<()> {
    if installed() {
        return Ok(());
    }
    eprintln!("wrk is missing; installing Debian's package");
    let status = Command::new("sh")
        .args([
            "-c",
            "(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null",
        ])
        .status()
        .context("running apt-get")?;
    if !status.success() || !installed() {
        bail!(
            "wrk could not be installed: install it (apt-get install wrk) and run the bench again"
        );
    }
    Ok(())
}

/// True when `wrk` can be run.
pub fn installed() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
}

/// One run of the load generator.
pub struct Load<'a> {
    /// `http://127.0.0.1:PORT`.
    pub base: &'a str,
    /// Open connections.
    pub connections: usize,
    /// How long it runs.
    pub duration: Duration,
    /// The Lua script that makes each request.
    pub script: &'a Path,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Responses received.
    pub requests: u64,
    /// Responses per second.
    pub per_second: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// Responses with a status of 400 or more.
    pub error_statuses: u64,
    /// Connect, read, write errors and timeouts.
    pub socket_errors: u64,
}

/// Runs `load` and reads its report.
pub fn run(load: &Load<'_>) -> anyhow::Result<Measured> {
    let threads = load.connections.clamp(1, 2);
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("--latency")
        .arg("-s")
        .arg(load.script)
        .arg(load.base)
        .output()
        .context("running wrk")?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed: {}{}",
            report,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse(&report).with_context(|| format!("reading wrk's report:\n{report}"))
}

/// Reads the numbers out of wrk's `--latency` report.
pub fn parse(report: &str) -> anyhow::Result<Measured> {
    let mut m = Measured::default();
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => m.p50_ms = millis(value)?,
            ["99%", value] => m.p99_ms = millis(value)?,
            [count, "requests", "in", ..] => m.requests = count.parse()?,
            ["Requests/sec:", value] => m.per_second = value.parse()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => m.error_statuses = count.parse()?,
            ["Socket", "errors:", rest @ ..] => {
                m.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    if m.requests == 0 {
        bail!("wrk reported no requests");
    }
    Ok(m)
}

fn millis(value: &str) -> anyhow::Result<f64> {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .context("a latency without a unit")?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse()?;
    Ok(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        other => bail!("an unknown latency unit {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 10s test @ http://127.0.0.1:8080
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.00us  100.00us   5.00ms   90.00%
  Latency Distribution
     50%  480.00us
     75%  600.00us
     90%  700.00us
     99%    1.20ms
  1234567 requests in 10.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec: 123456.70
Transfer/sec:     10.00MB
";

    #[test]
    fn a_latency_report_is_read_into_numbers() {
        let m = parse(REPORT).unwrap();
        assert_eq!(m.requests, 1_234_567);
        assert!((m.per_second - 123_456.7).abs() < 1e-6);
        assert!((m.p50_ms - 0.48).abs() < 1e-9);
        assert!((m.p99_ms - 1.2).abs() < 1e-9);
        assert_eq!(m.error_statuses, 5);
        assert_eq!(m.socket_errors, 3);
    }

    #[test]
    fn a_report_without_requests_is_an_error() {
        assert!(parse("Running 1s test\n").is_err());
    }
}
