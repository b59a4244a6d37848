//! The one error type of the domain rules.

use thiserror::Error;

/// Why a value was refused by a domain rule. Each variant maps to one
/// client error; the message is a sentence the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A parameter is missing or malformed.
    #[error("{message}")]
    Invalid {
        /// The name of the offending parameter, as the client sent it.
        parameter: String,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// The link data is too large once written as a query string.
    #[error("Data sent exceeds limit: {message}")]
    DataLimit {
        /// How large the data was and what the limit is.
        message: String,
    },
}

impl DomainError {
    /// An [`DomainError::Invalid`] for `parameter` with `message`.
    pub fn invalid(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}
