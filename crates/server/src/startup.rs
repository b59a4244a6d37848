//! Building and running the server: `Application::build` opens the store,
//! binds the port (0 picks a free one, for tests) and assembles the router.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use waylink_core::clock::{AdjustableClock, Clock, OffsetClock, SystemClock};
use waylink_core::random::{ALPHANUMERIC, random_string};
use waylink_store::postgres::PostgresStore;
use waylink_store::sqlite::SqliteStore;
use waylink_store::{Store, StoreError};

use crate::auth::KeyCache;
use crate::cache::{ChangeFeed, RoutingCache, follow_changes, warm_links};
use crate::clicks::{ClickWriter, click_queue};
use crate::config::ServerConfig;
use crate::state::{AppState, PublicUrls};
use crate::{purge, routes};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The store could not be opened or migrated.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    /// The listen address could not be bound.
    #[error("--listen: cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A built server, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    state: Arc<AppState>,
    address: SocketAddr,
    purge_interval: Duration,
    change_poll_interval: Duration,
    link_cache_capacity: usize,
    click_writer: ClickWriter,
}

/// The name of the key of client IP hashes among the server secrets.
const IP_HASH_KEY: &str = "ip_hash_key";
/// The name of the server secret that signs dashboard sessions.
const SESSION_KEY: &str = "dashboard_session_key";

impl Application {
    /// Builds the server `config` describes, on the system clock, or on an
    /// operator-adjustable clock under `--test-clock`.
    pub async fn build(config: ServerConfig) -> Result<Application, StartupError> {
        let test_clock: Option<Arc<dyn AdjustableClock>> = config
            .test_clock
            .then(|| Arc::new(OffsetClock::new()) as Arc<dyn AdjustableClock>);
        Self::build_with_clock(config, test_clock).await
    }

    /// Builds the server on `test_clock` when given (tests pass a clock that
    /// stands still), else on the system clock.
    pub async fn build_with_clock(
        config: ServerConfig,
        test_clock: Option<Arc<dyn AdjustableClock>>,
    ) -> Result<Application, StartupError> {
        let store: Arc<dyn Store> = match &config.database_url {
            Some(url) => Arc::new(
                PostgresStore::connect(url, config.db_pool_size)
                    .await?
                    .with_timeout(config.db_timeout),
            ),
            None => Arc::new(SqliteStore::open(&config.data_dir, config.durability)?),
        };
        Self::build_with_store(config, store, test_clock).await
    }

    /// Builds the server on a store opened by the caller.
    pub async fn build_with_store(
        config: ServerConfig,
        store: Arc<dyn Store>,
        test_clock: Option<Arc<dyn AdjustableClock>>,
    ) -> Result<Application, StartupError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
        let clock: Arc<dyn Clock> = match &test_clock {
            Some(c) => Arc::clone(c) as Arc<dyn Clock>,
            None => Arc::new(SystemClock),
        };
        let base_domain = config
            .base_domain
            .clone()
            .unwrap_or_else(|| format!("localhost:{}", address.port()));
        let candidate_key = random_string(43, ALPHANUMERIC);
        let ip_hash_key = store
            .server_secret(IP_HASH_KEY, &candidate_key)
            .await?
            .into_bytes();
        let session_key = store
            .server_secret(SESSION_KEY, &random_string(43, ALPHANUMERIC))
            .await?
            .into_bytes();
        let (clicks, click_writer) = click_queue(config.click_queue_capacity, Arc::clone(&store));
        let state = Arc::new(AppState {
            cache: Arc::new(RoutingCache::new(config.link_cache_capacity)),
            change_feed: Arc::new(ChangeFeed::default()),
            keys: KeyCache::default(),
            clicks,
            ip_hash_key,
            session_key,
            trusted_proxies: config.trusted_proxies.clone(),
            store,
            clock,
            test_clock,
            admin_token: config.admin_token.clone(),
            public: PublicUrls {
                scheme: config.public_scheme.clone(),
                base_domain,
            },
            default_rate_limit: config.rate_limit,
        });
        Ok(Application {
            listener,
            state,
            address,
            purge_interval: config.purge_interval,
            change_poll_interval: config.change_poll_interval,
            link_cache_capacity: config.link_cache_capacity,
            click_writer,
        })
    }

    /// The address the server listens on (with the real port when 0 was asked).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The shared state, for callers that seed data before serving.
    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until `shutdown` completes, then finishes the requests in
    /// flight, writes every queued click, and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let purge = tokio::spawn(purge::run(Arc::clone(&self.state), self.purge_interval));
        let warm = tokio::spawn(warm_links(
            Arc::clone(&self.state),
            self.link_cache_capacity,
        ));
        let follow = tokio::spawn(follow_changes(
            Arc::clone(&self.state.store),
            Arc::clone(&self.state.cache),
            Arc::clone(&self.state.change_feed),
            self.change_poll_interval,
        ));
        let (stop_writer, writer_stop) = oneshot::channel();
        let writer = tokio::spawn(self.click_writer.run(writer_stop));
        let app = routes::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        // Responses go out as soon as they are written: a redirect is one
        // small write, which Nagle's algorithm would otherwise hold back.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        purge.abort();
        follow.abort();
        warm.abort();
        // The writer is only gone early if it panicked; then the send fails.
        let _ = stop_writer.send(());
        if let Err(e) = writer.await {
            tracing::error!(error = %e, "the click writer failed");
        }
        served
    }
}
