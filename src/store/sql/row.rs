//! Rows read back: one [`Row`] over either engine, decoded through [`FromCol`] from the same value forms
//! ([`ValueRef`]) so every repository's `row` function serves both.

use super::error::{Error, Result};
use super::param::{Value, ValueRef};
use postgres::types::{FromSql, Type};

/// One result row.
pub enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

/// A column position (by index only: the repositories read by position).
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    /// Column `i` converted to `T`.
    pub fn get<I: RowIndex, T: FromCol>(&self, i: I) -> Result<T> {
        let i = i.index();
        match self {
            Row::Lite(r) => {
                let v = r.get_ref(i).map_err(Error::Lite)?;
                let v = match v {
                    rusqlite::types::ValueRef::Null => ValueRef::Null,
                    rusqlite::types::ValueRef::Integer(n) => ValueRef::Integer(n),
                    rusqlite::types::ValueRef::Real(f) => ValueRef::Real(f),
                    rusqlite::types::ValueRef::Text(t) => ValueRef::Text(
                        std::str::from_utf8(t).map_err(|e| Error::decode(i, e.to_string()))?,
                    ),
                    rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
                };
                T::from_value(v).map_err(|m| Error::decode(i, m))
            }
            Row::Pg(r) => {
                let raw: Raw = r.try_get(i).map_err(Error::Pg)?;
                T::from_value(raw.value().map_err(|m| Error::decode(i, m))?)
                    .map_err(|m| Error::decode(i, m))
            }
        }
    }
}

/// A PostgreSQL column in its binary form, whatever its type.
struct Raw<'a> {
    ty: Type,
    bytes: Option<&'a [u8]>,
}

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw {
            ty: ty.clone(),
            bytes: Some(raw),
        })
    }

    fn from_sql_null(
        ty: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw {
            ty: ty.clone(),
            bytes: None,
        })
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl<'a> Raw<'a> {
    fn value(&self) -> std::result::Result<ValueRef<'a>, String> {
        let Some(b) = self.bytes else {
            return Ok(ValueRef::Null);
        };
        let fixed = |n: usize| -> std::result::Result<&'a [u8], String> {
            (b.len() == n)
                .then_some(b)
                .ok_or_else(|| format!("{} column of {} bytes", self.ty, b.len()))
        };
        Ok(match self.ty {
            Type::INT8 => {
                ValueRef::Integer(i64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default()))
            }
            Type::INT4 => ValueRef::Integer(
                i32::from_be_bytes(fixed(4)?.try_into().unwrap_or_default()).into(),
            ),
            Type::INT2 => ValueRef::Integer(
                i16::from_be_bytes(fixed(2)?.try_into().unwrap_or_default()).into(),
            ),
            Type::BOOL => ValueRef::Integer(i64::from(fixed(1)?[0] != 0)),
            Type::FLOAT8 => {
                ValueRef::Real(f64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default()))
            }
            Type::FLOAT4 => {
                ValueRef::Real(f32::from_be_bytes(fixed(4)?.try_into().unwrap_or_default()).into())
            }
            Type::BYTEA => ValueRef::Blob(b),
            Type::NUMERIC => numeric(b)?,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::UNKNOWN => {
                ValueRef::Text(std::str::from_utf8(b).map_err(|e| e.to_string())?)
            }
            Type::JSONB if b.first() == Some(&1) => {
                ValueRef::Text(std::str::from_utf8(&b[1..]).map_err(|e| e.to_string())?)
            }
            ref other => {
                return Err(format!(
                    "a {other} column (cast it to TEXT, BIGINT or DOUBLE PRECISION in the query)"
                ))
            }
        })
    }
}

/// PostgreSQL's binary NUMERIC (what `sum` and `avg` of integers give): an integer when it has no
/// fraction digits and fits, else a real.
fn numeric(b: &[u8]) -> std::result::Result<ValueRef<'static>, String> {
    let word = |i: usize| -> std::result::Result<i64, String> {
        b.get(i..i + 2)
            .map(|w| i64::from(i16::from_be_bytes([w[0], w[1]])))
            .ok_or_else(|| "a truncated numeric".to_string())
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return Ok(ValueRef::Real(f64::NAN));
    }
    let mut int: i128 = 0;
    let mut real = 0f64;
    for i in 0..ndigits {
        let d = word(8 + 2 * usize::try_from(i).unwrap_or(0))?;
        let power = i32::try_from(weight - i).unwrap_or(0);
        real += d as f64 * 10000f64.powi(power);
        if power >= 0 {
            int =
                int.saturating_add(i128::from(d) * 10000i128.saturating_pow(power.unsigned_abs()));
        }
    }
    let negative = sign == 0x4000;
    if scale == 0 {
        if let Ok(v) = i64::try_from(if negative { -int } else { int }) {
            return Ok(ValueRef::Integer(v));
        }
    }
    Ok(ValueRef::Real(if negative { -real } else { real }))
}

/// A Rust value read from a column, with SQLite's conversions (an integer reads as a real, a bool from 0/1).
pub trait FromCol: Sized {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String>;
}

fn wrong(v: ValueRef<'_>, want: &str) -> String {
    let got = match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real number",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    };
    format!("{got} where {want} was expected")
}

macro_rules! int_col {
    ($($t:ty),*) => {$(
        impl FromCol for $t {
            fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
                match v {
                    ValueRef::Integer(i) => <$t>::try_from(i).map_err(|_| format!("{i} out of range")),
                    other => Err(wrong(other, "an integer")),
                }
            }
        }
    )*};
}
int_col!(i64, i32, u32, u64, usize, u8, u16);

impl FromCol for f64 {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(wrong(other, "a number")),
        }
    }
}

impl FromCol for bool {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Integer(i) => Ok(i != 0),
            other => Err(wrong(other, "a boolean")),
        }
    }
}

impl FromCol for String {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Text(s) => Ok(s.to_string()),
            other => Err(wrong(other, "text")),
        }
    }
}

impl FromCol for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(wrong(other, "a blob")),
        }
    }
}

impl FromCol for Value {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(v.into())
    }
}

impl<T: FromCol> FromCol for Option<T> {
    fn from_value(v: ValueRef<'_>) -> std::result::Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{numeric, ValueRef};

    fn bytes(words: &[i16]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn numerics_read_as_integers_or_reals() {
        // ndigits, weight, sign, dscale, then base-10000 digits.
        assert_eq!(
            numeric(&bytes(&[2, 1, 0, 0, 1, 2345])),
            Ok(ValueRef::Integer(12345))
        );
        assert_eq!(
            numeric(&bytes(&[2, 0, 0, 1, 1, 5000])),
            Ok(ValueRef::Real(1.5))
        );
        assert_eq!(
            numeric(&bytes(&[1, 0, 0x4000, 0, 7])),
            Ok(ValueRef::Integer(-7))
        );
        assert_eq!(numeric(&bytes(&[0, 0, 0, 0])), Ok(ValueRef::Integer(0)));
        assert!(numeric(&bytes(&[2, 0])).is_err());
    }
}
