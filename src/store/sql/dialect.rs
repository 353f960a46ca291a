//! What differs between the engines' SQL. The repositories write SQLite's SQL; [`to_pg`] rewrites it for
//! PostgreSQL once per statement: placeholders, `LIKE`'s case rule, and SQLite's functions (see
//! [`super::functions`]). What a rewrite cannot express is spelled per engine by the helpers below ([`for_update`]).

use super::functions;
use super::Conn;

/// SQLite SQL as PostgreSQL SQL: SQLite's functions in PostgreSQL's words, then `?N` → `$N`, a bare `?` →
/// the next number (SQLite's rule: one more than the largest so far), `LIKE` → `ILIKE` (SQLite's `LIKE`
/// ignores ASCII case). Quoted text is untouched.
pub fn to_pg(sql: &str) -> String {
    placeholders(&functions::order_nulls(&functions::rewrite(&or_ignore(
        sql,
    ))))
}

/// SQLite's `INSERT OR IGNORE INTO …` as `INSERT INTO … ON CONFLICT DO NOTHING` (SQLite keeps its own form:
/// its multi-row inserts run measurably faster with it than with the upsert clause).
fn or_ignore(sql: &str) -> std::borrow::Cow<'_, str> {
    let t = sql.trim_start();
    match t.get(..21) {
        Some(head) if head.eq_ignore_ascii_case("INSERT OR IGNORE INTO") => {
            std::borrow::Cow::Owned(format!("INSERT INTO{} ON CONFLICT DO NOTHING", &t[21..]))
        }
        _ => std::borrow::Cow::Borrowed(sql),
    }
}

fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut max = 0u32;
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' => {
                let end = sql[i + 1..]
                    .find(c as char)
                    .map_or(b.len(), |j| i + 1 + j + 1);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'?' => {
                let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
                let n = if digits == 0 {
                    max + 1
                } else {
                    sql[i + 1..i + 1 + digits].parse().unwrap_or(0)
                };
                max = max.max(n);
                out.push('$');
                out.push_str(&n.to_string());
                i += 1 + digits;
            }
            _ if is_word_at(b, i, b"LIKE") => {
                out.push_str("ILIKE");
                i += 4;
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

fn is_word_at(b: &[u8], i: usize, word: &[u8]) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    b.len() >= i + word.len()
        && b[i..i + word.len()].eq_ignore_ascii_case(word)
        && (i == 0 || !ident(b[i - 1]))
        && b.get(i + word.len()).is_none_or(|c| !ident(*c))
}

/// What a locking read ends with on PostgreSQL.
pub const FOR_UPDATE: &str = " FOR UPDATE";

/// Row locks for a read inside a write transaction (PostgreSQL; SQLite's single writer needs none).
pub fn for_update(conn: Conn) -> &'static str {
    if conn.is_pg() {
        FOR_UPDATE
    } else {
        ""
    }
}

/// What follows the table name where SQLite must be told which index to walk: without statistics it picks
/// a worse one for some statements. Nothing on PostgreSQL, which plans from its own statistics.
pub fn indexed_by(pg: bool, index: &str) -> String {
    if pg {
        String::new()
    } else {
        format!(" INDEXED BY {index}")
    }
}

#[cfg(test)]
mod tests {
    use super::to_pg;

    #[test]
    fn placeholders_follow_sqlite_numbering() {
        assert_eq!(
            to_pg("a = ?1 AND b = ?2 OR c = ?1"),
            "a = $1 AND b = $2 OR c = $1"
        );
        assert_eq!(
            to_pg("a = ? AND b = ? AND c = ?5 AND d = ?"),
            "a = $1 AND b = $2 AND c = $5 AND d = $6"
        );
    }

    #[test]
    fn or_ignore_becomes_on_conflict_do_nothing() {
        assert_eq!(
            to_pg("INSERT OR IGNORE INTO logs (id) VALUES (?), (?)"),
            "INSERT INTO logs (id) VALUES ($1), ($2) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn quoted_text_is_untouched() {
        assert_eq!(
            to_pg("x = '?1 LIKE' AND \"a?\" LIKE ?2"),
            "x = '?1 LIKE' AND \"a?\" ILIKE $2"
        );
        assert_eq!(
            to_pg("name NOT like ? ESCAPE '\\'"),
            "name NOT ILIKE $1 ESCAPE '\\'"
        );
        assert_eq!(
            to_pg("SELECT likes, unlike FROM t"),
            "SELECT likes, unlike FROM t"
        );
    }
}
