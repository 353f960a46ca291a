//! Values bound to statements: one [`Param`] trait for both engines, so SQL is written once. SQLite gets the
//! value borrowed (no copy); PostgreSQL gets it encoded for the type the server inferred for the placeholder.

use postgres::types::{IsNull, ToSql as PgToSql, Type};

/// A column or parameter value, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// An owned value, for statements whose parameters are built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// The borrowed form.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

/// Something that can be bound to a placeholder.
pub trait Param {
    /// The value to bind.
    fn value(&self) -> ValueRef<'_>;
}

/// Alias kept for call sites written against rusqlite's name.
pub use Param as ToSql;

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn value(&self) -> ValueRef<'_> {
                ValueRef::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_param!(i64, i32, i16, u8, u16, u32, u64, usize);

impl Param for f64 {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
}

impl Param for bool {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Integer(i64::from(*self))
    }
}

impl Param for str {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl Param for [u8] {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl Param for Value {
    fn value(&self) -> ValueRef<'_> {
        self.as_ref()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> ValueRef<'_> {
        self.as_ref().map_or(ValueRef::Null, Param::value)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> ValueRef<'_> {
        (**self).value()
    }
}

impl<T: Param + ?Sized> Param for Box<T> {
    fn value(&self) -> ValueRef<'_> {
        (**self).value()
    }
}

/// A statement's parameters, in order.
pub trait Params {
    /// Calls `f` with the parameters as a slice.
    fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R;
}

impl Params for &[&dyn Param] {
    fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R {
        f(self)
    }
}

impl Params for [&dyn Param; 0] {
    fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R {
        f(&[])
    }
}

macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: Param> Params for [T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R {
                let refs: [&dyn Param; $n] = self.each_ref().map(|p| p as &dyn Param);
                f(&refs)
            }
        }

        impl<T: Param> Params for &[T; $n] {
            fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R {
                let refs: [&dyn Param; $n] = self.each_ref().map(|p| p as &dyn Param);
                f(&refs)
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

/// Parameters from an iterator (see [`params_from_iter`]).
pub struct ParamsFromIter<I>(I);

/// Binds the items of `iter` in order.
pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: Param,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: Param,
{
    fn with<R>(self, f: impl FnOnce(&[&dyn Param]) -> R) -> R {
        let items: Vec<I::Item> = self.0.into_iter().collect();
        let refs: Vec<&dyn Param> = items.iter().map(|p| p as &dyn Param).collect();
        f(&refs)
    }
}

/// Builds a parameter slice from heterogeneous values: `params![id, name, 3]`.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::sql::Param]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::sql::Param),+] as &[&dyn $crate::store::sql::Param]
    };
}
pub(crate) use params;

/// A parameter bound through rusqlite, borrowed.
pub(super) struct Lite<'a>(pub &'a dyn Param);

impl rusqlite::ToSql for Lite<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ValueRef as L;
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            match self.0.value() {
                ValueRef::Null => L::Null,
                ValueRef::Integer(i) => L::Integer(i),
                ValueRef::Real(f) => L::Real(f),
                ValueRef::Text(s) => L::Text(s.as_bytes()),
                ValueRef::Blob(b) => L::Blob(b),
            },
        ))
    }
}

/// A parameter bound through postgres: encoded as the type the server inferred for its placeholder, the
/// way SQLite's type affinity would have stored it.
#[derive(Debug)]
pub(super) struct Pg<'a>(pub ValueRef<'a>);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl PgToSql for Pg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        let text_types = [
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::UNKNOWN,
        ];
        match self.0 {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::FLOAT4 => (i as f32).to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                ref t if text_types.contains(t) => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer as {ty}").into()),
            },
            ValueRef::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                Type::INT8 if f.fract() == 0.0 => (f as i64).to_sql(ty, out),
                ref t if text_types.contains(t) => f.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("cannot bind a real number as {ty}").into()),
            },
            ValueRef::Text(s) => match *ty {
                ref t if text_types.contains(t) => s.to_sql(ty, out),
                Type::JSON => s.to_sql(&Type::TEXT, out),
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    s.to_sql(&Type::TEXT, out)
                }
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::FLOAT8 => s.parse::<f64>()?.to_sql(ty, out),
                _ => Err(format!("cannot bind text as {ty}").into()),
            },
            ValueRef::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(format!("cannot bind a blob as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
