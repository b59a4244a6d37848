//! How PostgreSQL's failures become [`StoreError`]s.

use std::error::Error as _;

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::StoreError;

/// A failure inside the PostgreSQL store, before it is answered: kept
/// whole so that the retry loop can tell a transaction worth running again
/// (a serialization failure or a deadlock) from the rest.
#[derive(Debug)]
pub enum Fail {
    /// The database or the connection failed.
    Pg(tokio_postgres::Error),
    /// Already an answer: a conflict, or stored data that cannot be read.
    Store(StoreError),
}

impl Fail {
    /// True when the whole transaction was rolled back by the database
    /// for a reason that running it again may not meet.
    pub fn retryable(&self) -> bool {
        matches!(self, Fail::Pg(e) if matches!(
            e.code(),
            Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
        ))
    }
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl From<serde_json::Error> for Fail {
    fn from(e: serde_json::Error) -> Self {
        Fail::Store(e.into())
    }
}

impl From<PoolError> for Fail {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Backend(e) => Fail::Pg(e),
            PoolError::Timeout(kind) => Fail::Store(StoreError::Unavailable(format!(
                "no database connection within the timeout ({kind:?})"
            ))),
            PoolError::Closed => Fail::Store(StoreError::Unavailable(
                "the connection pool is closed".into(),
            )),
            other => Fail::Store(StoreError::Internal(format!(
                "the connection pool failed: {other}"
            ))),
        }
    }
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Store(e) => e,
            Fail::Pg(e) => from_pg(&e),
        }
    }
}

/// Connection failures, timeouts, a busy or shutting-down server and
/// contention past the retries are `Unavailable`; the rest is `Internal`.
pub fn from_pg(e: &tokio_postgres::Error) -> StoreError {
    let text = describe(e);
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let unavailable = code.starts_with("08") // connection exception
            || code.starts_with("53") // insufficient resources
            || code.starts_with("57P") // shutting down, cannot connect now
            || code.starts_with("40") // serialization failure or deadlock, retried already
            || db.code() == &SqlState::QUERY_CANCELED // statement timeout
            || db.code() == &SqlState::LOCK_NOT_AVAILABLE;
        return if unavailable {
            StoreError::Unavailable(text)
        } else {
            StoreError::Internal(text)
        };
    }
    let io = e
        .source()
        .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
    let plain = e.to_string();
    if e.is_closed()
        || io
        || plain.starts_with("error connecting")
        || plain.starts_with("timeout")
        || plain.starts_with("authentication")
    {
        StoreError::Unavailable(text)
    } else {
        StoreError::Internal(text)
    }
}

/// The error and its causes, on one line.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match e.source() {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// `e` as a `Conflict` when it is a unique violation of `constraint`.
pub fn conflict_on(e: tokio_postgres::Error, constraint: &str, message: impl Into<String>) -> Fail {
    let hit = e.as_db_error().is_some_and(|db| {
        db.code() == &SqlState::UNIQUE_VIOLATION && db.constraint() == Some(constraint)
    });
    if hit {
        Fail::Store(StoreError::Conflict(message.into()))
    } else {
        Fail::Pg(e)
    }
}

/// A stored integer that does not fit the domain type.
pub fn out_of_range(what: &str, value: i64) -> Fail {
    Fail::Store(StoreError::Internal(format!(
        "the stored {what} {value} is out of range"
    )))
}

/// A count or limit too large for PostgreSQL's BIGINT.
pub fn too_large(what: &str, value: u64) -> Fail {
    Fail::Store(StoreError::Internal(format!(
        "the {what} {value} is too large to store"
    )))
}
