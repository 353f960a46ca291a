//! A PostgreSQL session used by one store thread: statements translated and prepared once, then reused.

use super::dialect;
use super::error::Result;
use super::param::{Param, Pg};
use postgres::types::{Kind, ToSql, Type};
use postgres::{Client, Statement};
use std::cell::RefCell;
use std::collections::HashMap;

/// Statements kept per session before the cache starts over (SQL built at run time varies without end).
const CACHE_LIMIT: usize = 512;

/// One PostgreSQL session and its prepared statements.
pub struct PgConn {
    client: RefCell<Client>,
    cache: RefCell<HashMap<String, Statement>>,
    /// The server this session belongs to, named in what it announces to the others.
    origin: std::sync::Arc<str>,
}

/// Parameter types for `prepare_typed`: a number the SQL never mentions (SQLite allows gaps; PostgreSQL cannot
/// infer a type for one) is declared text, the others are left to the server (type 0, unspecified).
fn unused_as_text(sql: &str) -> Vec<Type> {
    let b = sql.as_bytes();
    let mut used = Vec::new();
    for (i, c) in b.iter().enumerate() {
        if *c == b'$' {
            let n: usize = sql[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            if n > 0 {
                used.resize(used.len().max(n), false);
                used[n - 1] = true;
            }
        }
    }
    if used.iter().all(|u| *u) {
        return Vec::new();
    }
    let unspecified = Type::new("unspecified".into(), 0, Kind::Simple, "pg_catalog".into());
    used.iter()
        .map(|u| if *u { unspecified.clone() } else { Type::TEXT })
        .collect()
}

impl PgConn {
    /// Wraps a connected client.
    pub fn new(client: Client, origin: std::sync::Arc<str>) -> PgConn {
        PgConn {
            client: RefCell::new(client),
            cache: RefCell::new(HashMap::new()),
            origin,
        }
    }

    /// The server this session belongs to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The client, for transaction control and session setup.
    pub fn client(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let text = dialect::to_pg(sql);
        let types = unused_as_text(&text);
        let stmt = self
            .client
            .borrow_mut()
            .prepare_typed(&text, &types)
            .inspect_err(|e| {
                // A statement PostgreSQL does not accept is a bug in the SQL or its rewrite: show both.
                let why = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string());
                tracing::error!(sql = %text, "PostgreSQL refused a statement: {why}");
            })?;
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, ps: &[&dyn Param]) -> Result<usize> {
        let stmt = self.statement(sql)?;
        let values: Vec<Pg> = ps.iter().map(|p| Pg(p.value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let n = self.client.borrow_mut().execute(&stmt, &refs)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Every row of a query.
    pub fn query(&self, sql: &str, ps: &[&dyn Param]) -> Result<Vec<postgres::Row>> {
        let stmt = self.statement(sql)?;
        let values: Vec<Pg> = ps.iter().map(|p| Pg(p.value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        Ok(self.client.borrow_mut().query(&stmt, &refs)?)
    }

    /// Runs several statements without parameters.
    pub fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.client.borrow_mut().batch_execute(sql)?)
    }
}
