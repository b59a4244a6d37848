//! The server's settings, already validated: built by the CLI from flags,
//! `WAYLINK_*` variables and the TOML file, and passed in explicitly.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use waylink_store::sqlite::Durability;

/// Everything `serve` needs to know.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where the embedded store lives.
    pub data_dir: PathBuf,
    /// How hard the embedded store pushes commits to disk.
    pub durability: Durability,
    /// `postgres://...` to use PostgreSQL instead of the embedded store.
    pub database_url: Option<String>,
    /// Connections to PostgreSQL this node keeps at most.
    pub db_pool_size: usize,
    /// Host that template subdomains hang under; `None`: `localhost:{port}`.
    pub base_domain: Option<String>,
    /// Scheme of the short URLs the API hands out.
    pub public_scheme: String,
    /// The operator's token; `None` turns the operator API off.
    pub admin_token: Option<String>,
    /// Networks whose `x-forwarded-for` is believed.
    pub trusted_proxies: Vec<Cidr>,
    /// Whether `POST /admin/v1/clock/advance` may move time.
    pub test_clock: bool,
    /// Requests per second per account, unless the account sets its own.
    pub rate_limit: u64,
    /// How often expired links are purged.
    pub purge_interval: Duration,
    /// Clicks the queue holds before it drops them.
    pub click_queue_capacity: usize,
    /// Links the node's cache holds at most.
    pub link_cache_capacity: usize,
    /// How often the node reads the change log to forget stale cache entries.
    pub change_poll_interval: Duration,
    /// How long one PostgreSQL operation may take before it answers 503.
    pub db_timeout: Duration,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The admin token is a secret: it never reaches a log line.
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("durability", &self.durability)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("db_pool_size", &self.db_pool_size)
            .field("base_domain", &self.base_domain)
            .field("public_scheme", &self.public_scheme)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("test_clock", &self.test_clock)
            .field("rate_limit", &self.rate_limit)
            .field("purge_interval", &self.purge_interval)
            .field("click_queue_capacity", &self.click_queue_capacity)
            .field("link_cache_capacity", &self.link_cache_capacity)
            .field("change_poll_interval", &self.change_poll_interval)
            .field("db_timeout", &self.db_timeout)
            .finish()
    }
}

impl ServerConfig {
    /// Settings for a server on `data_dir` with every default of `serve`.
    pub fn with_defaults(data_dir: PathBuf) -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            durability: Durability::Process,
            database_url: None,
            db_pool_size: 16,
            base_domain: None,
            public_scheme: "https".into(),
            admin_token: None,
            trusted_proxies: Vec::new(),
            test_clock: false,
            rate_limit: 1000,
            purge_interval: Duration::from_secs(60),
            click_queue_capacity: 100_000,
            link_cache_capacity: 600_000,
            change_poll_interval: Duration::from_millis(500),
            db_timeout: waylink_store::postgres::DEFAULT_TIMEOUT,
        }
    }
}

/// A network in CIDR notation, such as `10.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr/prefix`, or a bare address as a single host.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP network such as 10.0.0.0/8"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a prefix length outside 0..={max}"))?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }

    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cidr_contains_the_addresses_of_its_network_only() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(
            !Cidr::parse("::1")
                .unwrap()
                .contains("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn malformed_cidrs_are_refused() {
        for bad in ["", "10.0.0.0/33", "::/129", "nope", "10.0.0.0/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }
}
