//! The store's error type.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken.
    #[error("{0}")]
    Conflict(String),
    /// A query asked for something the store cannot express (e.g. a field an entity lacks).
    #[error("{0}")]
    Invalid(String),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The database file could not be written: the disk is full, the data dir read-only, or I/O failed.
    #[error("cannot write the database (is the disk full or the data dir read-only?): {0}")]
    Disk(rusqlite::Error),
    /// PostgreSQL failed, or a stored value did not decode.
    #[error("database error: {0}")]
    Database(super::sql::Error),
    /// Migrating the schema failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The database connection thread is gone (shutting down).
    #[error("the database is closed")]
    Closed,
    /// A stored value cannot be read back (sealed block data that does not open).
    #[error("{0}")]
    Damaged(String),
}

impl StoreError {
    /// Whether the failure passes by itself, so the client should try again (503): the database is busy
    /// or locked, the disk is full (SQLite reports a write that hit a size limit as full or as an I/O
    /// failure), or the store is closing. Anything else is a bug or damaged data (500).
    pub fn is_temporary(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, DiskFull, SystemIoFailure};
        match self {
            StoreError::Sqlite(e) => {
                matches!(e.sqlite_error_code(), Some(DatabaseBusy | DatabaseLocked))
            }
            StoreError::Disk(e) => {
                matches!(e.sqlite_error_code(), Some(DiskFull | SystemIoFailure))
            }
            StoreError::Database(e) => e.sqlstate().is_some_and(|c| {
                // Serialization failure, deadlock, lost connection, admin shutdown, too many connections.
                ["40001", "40P01", "57P01", "53300"].contains(&c) || c.starts_with("08")
            }),
            StoreError::Closed => true,
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DiskFull, ReadOnly, SystemIoFailure};
        match e.sqlite_error_code() {
            Some(DiskFull | ReadOnly | SystemIoFailure) => StoreError::Disk(e),
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<super::sql::Error> for StoreError {
    fn from(e: super::sql::Error) -> Self {
        match e {
            super::sql::Error::Lite(e) => e.into(),
            super::sql::Error::NoRows => rusqlite::Error::QueryReturnedNoRows.into(),
            other => StoreError::Database(other),
        }
    }
}

impl<E: Into<StoreError>> From<tokio_rusqlite::Error<E>> for StoreError {
    fn from(e: tokio_rusqlite::Error<E>) -> Self {
        match e {
            tokio_rusqlite::Error::Error(inner) => inner.into(),
            tokio_rusqlite::Error::Close((_, err)) => err.into(),
            _ => StoreError::Closed,
        }
    }
}

/// The store's result type.
pub type Result<T> = std::result::Result<T, StoreError>;
