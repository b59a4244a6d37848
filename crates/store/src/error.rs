//! The storage error type.

use thiserror::Error;

/// Why a storage operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; the message names what is taken.
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached or is busy past the timeout.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database answered with something this code cannot read, or failed
    /// in a way that is not the caller's fault.
    #[error("storage failure: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::CannotOpen) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Internal(format!("stored JSON is unreadable: {e}"))
    }
}
