//! Accounts: the tenants of a Waylink server, and their limits.

use serde::Serialize;

use crate::DomainError;
use crate::random::{ALPHANUMERIC, random_string};

/// The daily quota of an account created without one.
pub const DEFAULT_DAILY_QUOTA: u64 = 250_000;

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Its id, `acc_` and 16 random characters.
    pub account_id: String,
    /// A name for people.
    pub name: String,
    /// Link creates, updates and deletes allowed per UTC day.
    pub daily_quota: u64,
    /// Requests per second; `None` takes the server's default.
    pub rate_limit: Option<u64>,
}

impl Account {
    /// A new account id.
    pub fn generate_id() -> String {
        format!("acc_{}", random_string(16, ALPHANUMERIC))
    }
}

/// Checks an account name: 1 to 100 characters, no control characters.
pub fn validate_name(name: &str) -> Result<(), DomainError> {
    let chars = name.chars().count();
    if chars == 0 || chars > 100 || name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            "name must be 1 to 100 characters without control characters",
        ));
    }
    Ok(())
}

/// Checks a quota or rate limit value: a positive whole number.
pub fn validate_limit(field: &str, value: u64) -> Result<(), DomainError> {
    if value == 0 || value > 1_000_000_000_000 {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be a whole number from 1 to 1000000000000"),
        ));
    }
    Ok(())
}
