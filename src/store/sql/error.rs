//! Errors of either engine, plus the decoding failures of [`super::FromCol`].

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Lite(rusqlite::Error),
    #[error("{}", pg_text(.0))]
    Pg(postgres::Error),
    /// `query_row` found nothing.
    #[error("the query returned no rows")]
    NoRows,
    /// A column could not be read as the type asked for, or holds a malformed value.
    #[error("column {col}: {source}")]
    Decode {
        col: usize,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A PostgreSQL error with the server's message and detail, not only "db error".
fn pg_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({}): {d}", db.message(), db.code().code()),
            None => format!("{} ({})", db.message(), db.code().code()),
        },
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

impl Error {
    pub(super) fn decode(col: usize, msg: String) -> Error {
        Error::Decode {
            col,
            source: msg.into(),
        }
    }

    /// A value that does not decode (a malformed stored value).
    pub fn malformed(col: usize, source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Decode { col, source }
    }

    /// Whether a constraint (unique, foreign key, not null, check) refused the write.
    pub fn is_constraint(&self) -> bool {
        match self {
            Error::Lite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation
            }
            Error::Pg(e) => e.code().is_some_and(|c| c.code().starts_with("23")),
            _ => false,
        }
    }

    /// The PostgreSQL SQLSTATE, when the server answered with one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Pg(e) => e.code().map(|c| c.code()),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Lite(e),
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        Error::Pg(e)
    }
}

/// The result of a database call.
pub type Result<T> = std::result::Result<T, Error>;

/// `query_row`'s "no rows" as `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
