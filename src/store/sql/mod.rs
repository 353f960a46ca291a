//! The one database interface the repositories use, over SQLite (rusqlite) or PostgreSQL (postgres). SQL is
//! written once, with SQLite's `?N` placeholders; on PostgreSQL it is rewritten to `$N` once per connection
//! and statement ([`dialect::to_pg`]). Values travel as [`Param`]s and come back through [`Row::get`], with
//! the same conversions on both engines. The few constructs that differ are spelled by [`dialect`].

pub mod dialect;
mod error;
mod functions;
mod param;
mod pg;
mod row;

pub use error::{Error, OptionalExtension, Result};
pub(crate) use param::params;
pub use param::{params_from_iter, Param, Params, ToSql, Value};
pub use pg::PgConn;
pub use row::Row;

use param::Lite;

fn lite_params<'a>(ps: &'a [&'a dyn Param]) -> impl rusqlite::Params + 'a {
    rusqlite::params_from_iter(ps.iter().map(|p| Lite(*p)))
}

/// A connection (inside a transaction) of either engine.
#[derive(Clone, Copy)]
pub enum Conn<'c> {
    Lite(&'c rusqlite::Connection),
    Pg(&'c PgConn),
}

impl<'c> Conn<'c> {
    /// Whether this is PostgreSQL.
    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// A statement kept prepared on the connection.
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'c>> {
        match self {
            Conn::Lite(c) => Ok(Stmt::Cached(c.prepare_cached(sql)?)),
            Conn::Pg(c) => Ok(Stmt::pg(c, sql)),
        }
    }

    /// A statement prepared for this use only (SQL built at run time that would crowd the cache).
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'c>> {
        match self {
            Conn::Lite(c) => Ok(Stmt::Plain(c.prepare(sql)?)),
            Conn::Pg(c) => Ok(Stmt::pg(c, sql)),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, p: P) -> Result<usize> {
        match self {
            Conn::Lite(c) => Ok(p.with(|ps| c.execute(sql, lite_params(ps)))?),
            Conn::Pg(c) => p.with(|ps| c.execute(sql, ps)),
        }
    }

    /// The first row of a query, mapped by `f` (`Error::NoRows` when there is none).
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(
        &self,
        sql: &str,
        p: P,
        f: F,
    ) -> Result<T> {
        self.prepare(sql)?.query_row(p, f)
    }
}

/// A prepared statement.
pub enum Stmt<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Plain(rusqlite::Statement<'c>),
    Pg {
        conn: &'c PgConn,
        sql: String,
        bound: Vec<Value>,
    },
}

impl<'c> Stmt<'c> {
    fn pg(conn: &'c PgConn, sql: &str) -> Stmt<'c> {
        Stmt::Pg {
            conn,
            sql: sql.to_string(),
            bound: Vec::new(),
        }
    }

    fn lite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Stmt::Cached(s) => Some(s),
            Stmt::Plain(s) => Some(s),
            Stmt::Pg { .. } => None,
        }
    }

    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, p: P) -> Result<usize> {
        if let Some(s) = self.lite() {
            return Ok(p.with(|ps| s.execute(lite_params(ps)))?);
        }
        let Stmt::Pg { conn, sql, .. } = self else {
            unreachable!("a statement is of one engine")
        };
        p.with(|ps| conn.execute(sql, ps))
    }

    /// The rows of a query, one at a time.
    pub fn query<P: Params>(&mut self, p: P) -> Result<Rows<'_>> {
        match self {
            Stmt::Cached(s) => Ok(Rows::Lite(p.with(|ps| s.query(lite_params(ps)))?)),
            Stmt::Plain(s) => Ok(Rows::Lite(p.with(|ps| s.query(lite_params(ps)))?)),
            Stmt::Pg { conn, sql, .. } => {
                let rows = p.with(|ps| conn.query(sql, ps))?;
                Ok(Rows::Pg(rows.into_iter(), None))
            }
        }
    }

    /// The rows of a query, each mapped by `f`.
    pub fn query_map<T, P: Params, F: FnMut(&Row) -> Result<T>>(
        &mut self,
        p: P,
        f: F,
    ) -> Result<MappedRows<'_, F>> {
        Ok(MappedRows {
            rows: self.query(p)?,
            f,
        })
    }

    /// The first row, mapped by `f` (`Error::NoRows` when there is none).
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(
        &mut self,
        p: P,
        f: F,
    ) -> Result<T> {
        let mut rows = self.query(p)?;
        match rows.next()? {
            Some(r) => f(&r),
            None => Err(Error::NoRows),
        }
    }

    /// Binds parameter `i` (1-based) for [`Stmt::raw_execute`].
    pub fn raw_bind_parameter<T: Param>(&mut self, i: usize, v: T) -> Result<()> {
        match self {
            Stmt::Cached(s) => Ok(s.raw_bind_parameter(i, Lite(&v))?),
            Stmt::Plain(s) => Ok(s.raw_bind_parameter(i, Lite(&v))?),
            Stmt::Pg { bound, .. } => {
                if bound.len() < i {
                    bound.resize(i, Value::Null);
                }
                bound[i - 1] = v.value().into();
                Ok(())
            }
        }
    }

    /// Runs the statement with the parameters bound one by one.
    pub fn raw_execute(&mut self) -> Result<usize> {
        match self {
            Stmt::Cached(s) => Ok(s.raw_execute()?),
            Stmt::Plain(s) => Ok(s.raw_execute()?),
            Stmt::Pg { conn, sql, bound } => {
                let values = std::mem::take(bound);
                let refs: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
                conn.execute(sql, &refs)
            }
        }
    }
}

/// The rows of a running query.
pub enum Rows<'s> {
    Lite(rusqlite::Rows<'s>),
    Pg(std::vec::IntoIter<postgres::Row>, Option<postgres::Row>),
}

impl Rows<'_> {
    /// The next row, or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Lite(r) => Ok(r.next()?.map(Row::Lite)),
            Rows::Pg(it, current) => {
                *current = it.next();
                Ok(current.as_ref().map(Row::Pg))
            }
        }
    }
}

/// Rows mapped to values as they are read.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F: FnMut(&Row) -> Result<T>> Iterator for MappedRows<'_, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(r)) => Some((self.f)(&r)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
