//! The `waylink` binary: wires settings, store and server together.
//!
//! - `waylink serve`: the server.
//! - `waylink demo`: the server on the embedded store, after seeding the
//!   Feed Me demo account, apps, template and link, with curl commands.
//! - `waylink migrate`: brings the database schema up to date.

/// mimalloc instead of the system allocator: a redirect allocates a few
/// dozen small strings, and glibc's malloc and free were a tenth of the
/// server's time under load (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod demo;
mod devices;
mod settings;
mod simulate;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use waylink_server::{Application, ServerConfig};
use waylink_store::sqlite::SqliteStore;

use crate::settings::{Mode, SettingArgs, resolve};

/// Waylink: self-hosted deep links and mobile attribution.
#[derive(Parser)]
#[command(name = "waylink", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the APIs and redirects.
    Serve(SettingArgs),
    /// Seed the Feed Me demo data (once) and serve it, printing curl commands.
    Demo(SettingArgs),
    /// Act as a device: click a link, then launch or open the app.
    #[command(subcommand)]
    Simulate(simulate::Simulate),
    /// Print a template's (or a link's) statistics from a running server.
    Stats(stats::StatsArgs),
    /// Bring the database schema up to date.
    Migrate {
        /// Directory of the embedded store [default: ./waylink-data].
        #[arg(long, env = "WAYLINK_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// postgres://... to migrate a PostgreSQL database instead.
        #[arg(long, env = "WAYLINK_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WAYLINK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(settings_or_exit(args, Mode::Serve)?, false).await,
            Command::Demo(args) => serve(settings_or_exit(args, Mode::Demo)?, true).await,
            Command::Stats(args) => stats::run(args).await,
            Command::Simulate(command) => simulate::run(command).await,
            Command::Migrate {
                database_url: Some(url),
                ..
            } => {
                let applied = waylink_store::postgres::PostgresStore::migrate(&url).await?;
                println!(
                    "the PostgreSQL schema is up to date (migrations applied now: {applied:?})"
                );
                Ok(())
            }
            Command::Migrate {
                data_dir,
                database_url: None,
            } => {
                let dir = data_dir.unwrap_or_else(|| PathBuf::from("waylink-data"));
                let applied = SqliteStore::migrate(&dir)?;
                println!(
                    "schema of {} is up to date (migrations applied now: {applied:?})",
                    dir.display()
                );
                Ok(())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn settings_or_exit(args: SettingArgs, mode: Mode) -> anyhow::Result<ServerConfig> {
    resolve(args, mode).map_err(|line| anyhow::anyhow!(line))
}

async fn serve(config: ServerConfig, demo: bool) -> anyhow::Result<()> {
    let app = Application::build(config.clone()).await?;
    let address = app.address();
    if demo {
        let seeded = demo::seed(&app.state(), &config).await?;
        demo::print_banner(&seeded, address, &app.state().public);
    }
    // Tests and scripts read this line to learn the port.
    println!("waylink listening on http://{address}");
    tracing::info!(%address, config = ?config, "serving");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
