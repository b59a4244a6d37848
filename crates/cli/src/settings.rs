//! Settings of `serve` and `demo`: flags win over `WAYLINK_*` variables
//! (clap reads both), which win over the TOML file of `--config`. Every
//! value is checked here, and a bad one stops the start with one line that
//! names the setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Deserialize;
use waylink_server::{Cidr, ServerConfig};
use waylink_store::sqlite::Durability;

/// The flags (and their variables) of `serve` and `demo`.
#[derive(Debug, Args, Default)]
pub struct SettingArgs {
    /// TOML file with any of the settings below (snake_case keys).
    #[arg(long, env = "WAYLINK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "WAYLINK_LISTEN")]
    pub listen: Option<String>,
    /// Directory of the embedded store [default: ./waylink-data].
    #[arg(long, env = "WAYLINK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// postgres://... to use PostgreSQL instead of the embedded store.
    #[arg(long, env = "WAYLINK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Connections to PostgreSQL this node keeps at most [default: 16].
    #[arg(long, env = "WAYLINK_DB_POOL_SIZE")]
    pub db_pool_size: Option<String>,
    /// Host that template subdomains hang under [default: localhost:{port}].
    #[arg(long, env = "WAYLINK_BASE_DOMAIN")]
    pub base_domain: Option<String>,
    /// Scheme of short URLs: http or https [default: https; demo: http].
    #[arg(long, env = "WAYLINK_PUBLIC_SCHEME")]
    pub public_scheme: Option<String>,
    /// Operator token (16 characters or more); unset turns the operator API off.
    #[arg(long, env = "WAYLINK_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Proxy networks whose x-forwarded-for is believed (CIDR, comma-separated).
    #[arg(long, env = "WAYLINK_TRUSTED_PROXY")]
    pub trusted_proxy: Option<String>,
    /// Let the operator move the clock with POST /admin/v1/clock/advance.
    #[arg(long, env = "WAYLINK_TEST_CLOCK", num_args = 0..=1, default_missing_value = "true")]
    pub test_clock: Option<String>,
    /// Requests per second per account [default: 1000].
    #[arg(long, env = "WAYLINK_RATE_LIMIT")]
    pub rate_limit: Option<String>,
    /// Seconds between purges of expired links [default: 60].
    #[arg(long, env = "WAYLINK_PURGE_INTERVAL_SECS")]
    pub purge_interval_secs: Option<String>,
    /// Clicks the in-memory queue holds before new ones are dropped [default: 100000].
    #[arg(long, env = "WAYLINK_CLICK_QUEUE_CAPACITY")]
    pub click_queue_capacity: Option<String>,
    /// Links each node keeps in memory for redirects (about 1 KiB each) [default: 600000].
    #[arg(long, env = "WAYLINK_LINK_CACHE_CAPACITY")]
    pub link_cache_capacity: Option<String>,
    /// Milliseconds one PostgreSQL operation may take before the request answers 503 [default: 5000].
    #[arg(long, env = "WAYLINK_DB_TIMEOUT_MS")]
    pub db_timeout_ms: Option<String>,
    /// normal (survives a crash of the process) or full (also of the machine) [default: normal].
    #[arg(long, env = "WAYLINK_SQLITE_SYNCHRONOUS")]
    pub sqlite_synchronous: Option<String>,
}

/// The same settings as a TOML file writes them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    db_pool_size: Option<u64>,
    base_domain: Option<String>,
    public_scheme: Option<String>,
    admin_token: Option<String>,
    trusted_proxy: Option<String>,
    test_clock: Option<bool>,
    rate_limit: Option<u64>,
    purge_interval_secs: Option<u64>,
    click_queue_capacity: Option<u64>,
    link_cache_capacity: Option<u64>,
    db_timeout_ms: Option<u64>,
    sqlite_synchronous: Option<String>,
}

/// Which command the settings are for; it changes a few defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `waylink serve`.
    Serve,
    /// `waylink demo`: plain http short URLs.
    Demo,
}

/// Resolves flags, variables, the file and the defaults into a checked
/// [`ServerConfig`]; the error is one line naming the setting.
pub fn resolve(args: SettingArgs, mode: Mode) -> Result<ServerConfig, String> {
    let file = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--config: cannot read {}: {e}", path.display()))?;
            toml::from_str::<FileSettings>(&text)
                .map_err(|e| format!("--config {}: {}", path.display(), e.message()))?
        }
        None => FileSettings::default(),
    };
    let data_dir = args
        .data_dir
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("waylink-data"));
    let mut config = ServerConfig::with_defaults(data_dir);
    if mode == Mode::Demo {
        config.public_scheme = "http".into();
    }
    if let Some(listen) = args.listen.or(file.listen) {
        config.listen = listen.parse::<SocketAddr>().map_err(|_| {
            format!(
                "--listen (WAYLINK_LISTEN): {listen:?} is not an address such as 127.0.0.1:8080"
            )
        })?;
    }
    if let Some(url) = args.database_url.or(file.database_url) {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err("--database-url (WAYLINK_DATABASE_URL): must be a postgres:// URL, or unset for the embedded store".to_owned());
        }
        config.database_url = Some(url);
    }
    if let Some(size) = number(
        args.db_pool_size,
        file.db_pool_size,
        "--db-pool-size (WAYLINK_DB_POOL_SIZE)",
    )? {
        if size > 1000 {
            return Err("--db-pool-size (WAYLINK_DB_POOL_SIZE): must be at most 1000".into());
        }
        config.db_pool_size = size as usize;
    }
    if let Some(domain) = args.base_domain.or(file.base_domain) {
        config.base_domain = Some(check_base_domain(&domain)?);
    }
    if let Some(scheme) = args.public_scheme.or(file.public_scheme) {
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "--public-scheme (WAYLINK_PUBLIC_SCHEME): must be http or https, not {scheme:?}"
            ));
        }
        config.public_scheme = scheme;
    }
    if let Some(token) = args.admin_token.or(file.admin_token) {
        if token.chars().count() < 16 || token.chars().any(char::is_whitespace) {
            return Err("--admin-token (WAYLINK_ADMIN_TOKEN): must be at least 16 characters without spaces".into());
        }
        config.admin_token = Some(token);
    }
    if let Some(list) = args.trusted_proxy.or(file.trusted_proxy) {
        config.trusted_proxies = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| Cidr::parse(s.trim()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--trusted-proxy (WAYLINK_TRUSTED_PROXY): {e}"))?;
    }
    config.test_clock = match args.test_clock {
        Some(text) => parse_bool(&text).ok_or_else(|| {
            format!("--test-clock (WAYLINK_TEST_CLOCK): must be true or false, not {text:?}")
        })?,
        None => file.test_clock.unwrap_or(false),
    };
    if let Some(rate) = number(
        args.rate_limit,
        file.rate_limit,
        "--rate-limit (WAYLINK_RATE_LIMIT)",
    )? {
        config.rate_limit = rate;
    }
    if let Some(secs) = number(
        args.purge_interval_secs,
        file.purge_interval_secs,
        "--purge-interval-secs (WAYLINK_PURGE_INTERVAL_SECS)",
    )? {
        config.purge_interval = Duration::from_secs(secs);
    }
    if let Some(capacity) = number(
        args.click_queue_capacity,
        file.click_queue_capacity,
        "--click-queue-capacity (WAYLINK_CLICK_QUEUE_CAPACITY)",
    )? {
        if capacity > 10_000_000 {
            return Err(
                "--click-queue-capacity (WAYLINK_CLICK_QUEUE_CAPACITY): must be at most 10000000"
                    .into(),
            );
        }
        config.click_queue_capacity = capacity as usize;
    }
    if let Some(capacity) = number(
        args.link_cache_capacity,
        file.link_cache_capacity,
        "--link-cache-capacity (WAYLINK_LINK_CACHE_CAPACITY)",
    )? {
        config.link_cache_capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
    }
    if let Some(millis) = number(
        args.db_timeout_ms,
        file.db_timeout_ms,
        "--db-timeout-ms (WAYLINK_DB_TIMEOUT_MS)",
    )? {
        if millis > 600_000 {
            return Err("--db-timeout-ms (WAYLINK_DB_TIMEOUT_MS): must be at most 600000".into());
        }
        config.db_timeout = Duration::from_millis(millis);
    }
    if let Some(sync) = args.sqlite_synchronous.or(file.sqlite_synchronous) {
        config.durability = match sync.as_str() {
            "normal" => Durability::Process,
            "full" => Durability::Machine,
            _ => {
                return Err(format!(
                    "--sqlite-synchronous (WAYLINK_SQLITE_SYNCHRONOUS): must be normal or full, not {sync:?}"
                ));
            }
        };
    }
    Ok(config)
}

fn number(flag: Option<String>, file: Option<u64>, name: &str) -> Result<Option<u64>, String> {
    let value = match flag {
        Some(text) => Some(
            text.parse::<u64>()
                .map_err(|_| format!("{name}: must be a whole number, not {text:?}"))?,
        ),
        None => file,
    };
    match value {
        Some(0) => Err(format!("{name}: must be at least 1")),
        other => Ok(other),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A base domain: DNS labels, lower-cased, with an optional port.
fn check_base_domain(text: &str) -> Result<String, String> {
    waylink_core::template::base_domain(text).ok_or_else(|| {
        format!(
            "--base-domain (WAYLINK_BASE_DOMAIN): {text:?} is not a host name such as links.example or localhost:8080"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = resolve(SettingArgs::default(), Mode::Serve).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_scheme, "https");
        assert_eq!(config.rate_limit, 1000);
        assert!(!config.test_clock);
        assert_eq!(
            resolve(SettingArgs::default(), Mode::Demo)
                .unwrap()
                .public_scheme,
            "http"
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waylink.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nrate_limit = 5\npublic_scheme = \"http\"\n",
        )
        .unwrap();
        let args = SettingArgs {
            config: Some(path),
            listen: Some("127.0.0.1:9001".into()),
            ..Default::default()
        };
        let config = resolve(args, Mode::Serve).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(config.rate_limit, 5);
        assert_eq!(config.public_scheme, "http");
    }

    #[test]
    fn a_bad_setting_is_one_line_that_names_it() {
        let cases = [
            (
                SettingArgs {
                    listen: Some("nope".into()),
                    ..Default::default()
                },
                "--listen",
            ),
            (
                SettingArgs {
                    public_scheme: Some("ftp".into()),
                    ..Default::default()
                },
                "--public-scheme",
            ),
            (
                SettingArgs {
                    admin_token: Some("short".into()),
                    ..Default::default()
                },
                "--admin-token",
            ),
            (
                SettingArgs {
                    trusted_proxy: Some("10.0.0.0/99".into()),
                    ..Default::default()
                },
                "--trusted-proxy",
            ),
            (
                SettingArgs {
                    rate_limit: Some("0".into()),
                    ..Default::default()
                },
                "--rate-limit",
            ),
            (
                SettingArgs {
                    base_domain: Some("bad domain".into()),
                    ..Default::default()
                },
                "--base-domain",
            ),
            (
                SettingArgs {
                    test_clock: Some("maybe".into()),
                    ..Default::default()
                },
                "--test-clock",
            ),
            (
                SettingArgs {
                    database_url: Some("mysql://x".into()),
                    ..Default::default()
                },
                "--database-url",
            ),
        ];
        for (args, name) in cases {
            let err = resolve(args, Mode::Serve).unwrap_err();
            assert!(err.starts_with(name) && !err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn an_unknown_key_in_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waylink.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let err = resolve(
            SettingArgs {
                config: Some(path),
                ..Default::default()
            },
            Mode::Serve,
        )
        .unwrap_err();
        assert!(
            err.contains("lisen") && err.starts_with("--config"),
            "{err}"
        );
    }
}
