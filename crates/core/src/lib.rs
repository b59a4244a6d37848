//! The domain core of Waylink: the rules, with no I/O in them.
//!
//! Everything here is pure: no tokio, no SQL, no HTTP. Time enters only
//! through a [`clock::Clock`] passed in by the caller, so every rule about
//! time (TTL, expiry, quota days, rate windows) can be tested with a clock
//! the test controls. Randomness for ids and keys comes from the operating
//! system's CSPRNG.
//!
//! - [`link_data`]: the flat string map a link carries, and its limits.
//! - [`ttl`]: the TTL forms of both API versions and their caps.
//! - [`ids`]: short-link and template ids, validated and generated.
//! - [`link`]: a stored link, its expiry, renewal on click and short URL.
//! - [`template`] and [`app`]: validated configuration of templates and apps.
//! - [`account`]: accounts and their limits; [`keys`]: API and SDK keys.
//! - [`quota`]: the daily quota and the per-second rate limit as rules.

pub mod account;
pub mod app;
pub mod attribution;
pub mod click;
pub mod clock;
pub mod error;
pub mod ids;
pub mod install;
pub mod keys;
pub mod link;
pub mod link_data;
pub mod patch;
pub mod payload;
pub mod quota;
pub mod random;
pub mod redirect_safety;
pub mod routing;
pub mod stats;
pub mod template;
pub mod ttl;
pub mod user_agent;

pub use error::DomainError;
