//! The floor every redirect number is compared with: a minimal hyper
//! server answering `302` from an in-memory map of the same paths, with
//! nothing else to do (no routing table, no click, no user agent).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A running baseline server, on a runtime of its own; dropping it stops it.
pub struct Baseline {
    /// Where it listens.
    pub address: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Baseline {
    fn drop(&mut self) {
        // Dropped from async code too, where a blocking shutdown may not run.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Baseline {
    /// Serves `/{template}/{prefix}{i}` for `i` in `0..links` on a runtime
    /// of `threads` workers, as many as the server under test gets.
    pub fn start(
        template: &str,
        prefix: &str,
        links: usize,
        threads: usize,
    ) -> anyhow::Result<Self> {
        let mut map = HashMap::with_capacity(links);
        for i in 0..links {
            map.insert(
                format!("/{template}/{prefix}{i}"),
                format!(
                    "https://play.google.com/store/apps/details?id=com.feedme.app&referrer=c%3D{i}"
                ),
            );
        }
        let map = Arc::new(map);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let map = Arc::clone(&map);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let map = Arc::clone(&map);
                        async move { Ok::<_, Infallible>(answer(&map, request.uri().path())) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Baseline {
            address,
            runtime: Some(runtime),
        })
    }
}

fn answer(map: &HashMap<String, String>, path: &str) -> Response<Empty<Bytes>> {
    let mut response = Response::new(Empty::new());
    match map.get(path) {
        Some(location) => {
            *response.status_mut() = StatusCode::FOUND;
            if let Ok(value) = location.parse() {
                response
                    .headers_mut()
                    .insert(hyper::header::LOCATION, value);
            }
        }
        None => *response.status_mut() = StatusCode::NOT_FOUND,
    }
    response
}
