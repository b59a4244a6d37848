//! A TCP proxy between the server and PostgreSQL that a test can break:
//! cut (every connection closed, new ones refused) or stall (connections
//! stay open and nothing gets through, like a network that lost its
//! route), then open again.

use std::net::SocketAddr;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bytes flow both ways.
    Open,
    /// Connections are closed; new ones are closed as soon as accepted.
    Cut,
    /// Connections are held open and nothing flows.
    Stall,
}

/// A running proxy; it stops with the test's runtime.
pub struct Proxy {
    /// The address the server should connect to.
    pub address: SocketAddr,
    mode: watch::Sender<Mode>,
}

impl Proxy {
    /// Starts a proxy to `upstream` on a free port of 127.0.0.1.
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("the proxy's address");
        let (mode, watching) = watch::channel(Mode::Open);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream.clone(), watching.clone()));
            }
        });
        Proxy { address, mode }
    }

    /// Switches every connection, present and future, to `mode`.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Carries one connection until the mode leaves `Open`; a connection that
/// was stalled or cut is never resumed (bytes in flight were lost), the
/// way a reset or a timed-out peer ends it.
async fn relay(mut client: TcpStream, upstream: String, mut mode: watch::Receiver<Mode>) {
    let current = *mode.borrow_and_update();
    match current {
        Mode::Cut => return,
        Mode::Stall => return hold(client, mode).await,
        Mode::Open => {}
    }
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        changed = mode.changed() => {
            if changed.is_ok() && *mode.borrow() == Mode::Stall {
                drop(server);
                hold(client, mode).await;
            }
        }
    }
}

/// Keeps `client` open, silent, until the mode changes again.
async fn hold(client: TcpStream, mut mode: watch::Receiver<Mode>) {
    let _ = mode.changed().await;
    drop(client);
}
