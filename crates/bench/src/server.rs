//! The server under test: the real `waylink serve` binary in a process of
//! its own, so that its memory and start-up are its own.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The operator token of servers under test.
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";
/// The base domain of servers under test.
pub const BASE_DOMAIN: &str = "bench.localhost";

/// How a server under test is started.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// The `waylink` binary.
    pub binary: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// `postgres://...`, or `None` for the embedded store.
    pub database_url: Option<String>,
}

/// A running `waylink serve`.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
}

impl Server {
    /// Starts the server and waits for its listening line.
    pub fn start(spec: &ServerSpec) -> anyhow::Result<Server> {
        let mut command = Command::new(&spec.binary);
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&spec.data_dir)
            .args(["--base-domain", BASE_DOMAIN, "--public-scheme", "http"])
            .args(["--admin-token", ADMIN_TOKEN])
            .args(["--rate-limit", "1000000000"])
            .env("WAYLINK_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = &spec.database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", spec.binary.display()))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut stderr = child.stderr.take().context("the server's stderr")?;
        let (found, listening) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("waylink listening on ") {
                    let _ = found.send(base.to_owned());
                }
            }
        });
        match listening.recv_timeout(Duration::from_secs(600)) {
            Ok(base) => {
                // Warnings keep flowing to the bench's stderr.
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut stderr, &mut std::io::stderr());
                });
                Ok(Server { base, child })
            }
            Err(_) => {
                let _ = child.kill();
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                bail!("the server did not start: {text}")
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak and current resident memory, in bytes.
    pub fn memory(&self) -> anyhow::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("reading the server's /proc status")?;
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kb| kb.parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024)
        };
        Ok((field("VmHWM:"), field("VmRSS:")))
    }

    /// Stops the server the way an operator does (SIGTERM, which drains
    /// the click queue) and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .context("sending SIGTERM")?;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        bail!("the server did not stop within 120 s of SIGTERM")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `waylink` binary next to this one, built first when `cargo` is at
/// hand (as under `cargo run`), so the bench always measures the source.
pub fn waylink_binary() -> anyhow::Result<PathBuf> {
    let own = std::env::current_exe().context("the bench's own path")?;
    let dir = own.parent().context("the bench's directory")?;
    if let Ok(cargo) = std::env::var("CARGO") {
        let profile = if dir.ends_with("release") {
            "--release"
        } else {
            "--profile=dev"
        };
        eprintln!("building the waylink binary ({profile})");
        let status = Command::new(cargo)
            .args(["build", "-p", "waylink", profile])
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("cargo build -p waylink failed");
        }
    }
    let binary = dir.join("waylink");
    if !Path::new(&binary).exists() {
        bail!(
            "{} is missing: run the bench with `cargo run --release -p waylink-bench`",
            binary.display()
        );
    }
    Ok(binary)
}
