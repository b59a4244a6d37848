//! Waylink's HTTP server: a thin axum layer over `waylink-core` and
//! `waylink-store`.
//!
//! Handlers extract, call the core and the store, and return
//! [`error::ApiError`] on failure; [`error::shape_errors`] maps every error
//! once, in the shape each API promises. [`auth`] authenticates the
//! operator and accounts and applies the rate limit and quota.
//! [`startup::Application`] builds the server from a
//! [`config::ServerConfig`] and runs it until told to stop.

pub mod auth;
pub mod cache;
pub mod clicks;
pub mod client_ip;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod links;
pub mod lookup;
pub mod pages;
pub mod purge;
pub mod qr;
mod routes;
pub mod startup;
pub mod state;

pub use config::{Cidr, ServerConfig};
pub use startup::{Application, StartupError};
