//! What a failed write's error says: its SQLite code, and a copy of the commit's error for each caller.

use super::error::StoreError;

/// The SQLite error code of a write's failure, when SQLite failed it.
pub(super) fn failure_code(e: &StoreError) -> Option<rusqlite::ffi::Error> {
    match e {
        StoreError::Sqlite(e) | StoreError::Disk(e) => sqlite_code(e),
        _ => None,
    }
}

pub(super) fn sqlite_code(e: &rusqlite::Error) -> Option<rusqlite::ffi::Error> {
    match e {
        rusqlite::Error::SqliteFailure(code, _) => Some(*code),
        _ => None,
    }
}

/// A copy of a SQLite error for every caller of a failed commit (the error type is not `Clone`).
pub(super) fn copy_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            rusqlite::Error::SqliteFailure(*code, msg.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}
