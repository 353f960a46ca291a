//! SQLite functions rewritten as PostgreSQL expressions, with SQLite's results: `json_extract`,
//! `json_each`, `unixepoch`, two-argument `max`/`min`, `total`, and `CAST(… AS INTEGER|REAL)` (SQLite
//! truncates a real cast to an integer; PostgreSQL rounds).

/// `ORDER BY` terms with SQLite's NULL order (first when ascending, last when descending; PostgreSQL's is
/// the reverse), except on ids, which are never NULL (a NULLS clause there would keep the primary key index
/// from serving the sort).
pub fn order_nulls(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 32);
    let mut i = 0;
    while let Some(at) = find_outside_quotes(b, &upper, i, "ORDER BY ") {
        let start = at + "ORDER BY ".len();
        let end = clause_end(b, &upper, start);
        out.push_str(&sql[i..start]);
        let terms: Vec<String> = split_args(&sql[start..end])
            .iter()
            .map(|t| with_nulls(t))
            .collect();
        out.push_str(&terms.join(","));
        i = end;
    }
    out.push_str(&sql[i..]);
    out
}

fn with_nulls(term: &str) -> String {
    let t = term.trim_end();
    let trailing = &term[t.len()..];
    let up = t.to_ascii_uppercase();
    if up.contains("NULLS ") {
        return term.to_string();
    }
    let (expr, desc) = if let Some(e) = up.strip_suffix(" DESC") {
        (&t[..e.len()], true)
    } else if let Some(e) = up.strip_suffix(" ASC") {
        (&t[..e.len()], false)
    } else {
        (t, false)
    };
    let name = expr.trim().rsplit('.').next().unwrap_or("");
    if name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("rowid") {
        return term.to_string();
    }
    format!(
        "{t} {}{trailing}",
        if desc { "NULLS LAST" } else { "NULLS FIRST" }
    )
}

fn find_outside_quotes(b: &[u8], upper: &str, from: usize, word: &str) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'\'' || b[i] == b'"' {
            i = quoted_end(b, i);
            continue;
        }
        if upper[i..].starts_with(word) && (i == 0 || !is_ident(b[i - 1])) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Where an `ORDER BY` list ends: `LIMIT`, `OFFSET`, `FOR`, `UNION`, a closing parenthesis, or the end.
fn clause_end(b: &[u8], upper: &str, from: usize) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                i = quoted_end(b, i);
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return i,
            b')' => depth -= 1,
            _ if depth == 0 && (i == 0 || !is_ident(b[i - 1])) => {
                for w in ["LIMIT", "OFFSET", "FOR ", "UNION"] {
                    if upper[i..].starts_with(w) {
                        return i;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// `sql` with every SQLite-only function call rewritten (arguments first, so calls may nest).
pub fn rewrite(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 16);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' {
            let end = quoted_end(b, i);
            out.push_str(&sql[i..end]);
            i = end;
            continue;
        }
        if is_ident_start(c) && (i == 0 || !is_ident(b[i - 1]) && b[i - 1] != b'.') {
            let word_end = i + b[i..].iter().take_while(|c| is_ident(**c)).count();
            let word = &sql[i..word_end];
            let open = word_end
                + b[word_end..]
                    .iter()
                    .take_while(|c| c.is_ascii_whitespace())
                    .count();
            if b.get(open) == Some(&b'(') {
                if let Some(close) = matching(b, open) {
                    let args: Vec<String> = split_args(&sql[open + 1..close])
                        .iter()
                        .map(|a| rewrite(a.trim()))
                        .collect();
                    let mut next = close + 1;
                    if let Some(text) = call(word, &args, sql, &mut next) {
                        out.push_str(&text);
                        i = next;
                        continue;
                    }
                }
            }
            out.push_str(word);
            i = word_end;
            continue;
        }
        let ch = sql[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The PostgreSQL text for a call of `word` with `args`, or `None` to keep it. `next` (just after the call's
/// closing parenthesis) moves past an alias the rewrite takes over.
fn call(word: &str, args: &[String], sql: &str, next: &mut usize) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    match (lower.as_str(), args) {
        ("json_extract", [doc, path]) => {
            let key = path.trim().strip_prefix("'$.")?.strip_suffix('\'')?;
            let key = key.trim_matches('"');
            Some(format!("(({doc})::jsonb ->> '{key}')"))
        }
        ("json_each", [doc]) => {
            let rest = &sql[*next..];
            let alias = alias_after(rest);
            let name = match alias {
                Some((name, len)) => {
                    *next += len;
                    name
                }
                None => "json_each".to_string(),
            };
            Some(format!(
                "jsonb_array_elements_text(({doc})::jsonb) AS {name}(value)"
            ))
        }
        ("unixepoch", [x, modifier]) if modifier.trim() == "'subsec'" => Some(format!(
            "CAST(extract(epoch FROM CAST(CAST({x} AS TEXT) AS timestamptz)) AS DOUBLE PRECISION)"
        )),
        ("unixepoch", [x]) => Some(format!(
            "CAST(floor(extract(epoch FROM CAST(CAST({x} AS TEXT) AS timestamptz))) AS BIGINT)"
        )),
        ("max", [_, _, ..]) => Some(format!("greatest({})", args.join(", "))),
        ("min", [_, _, ..]) => Some(format!("least({})", args.join(", "))),
        ("total", [x]) => Some(format!("CAST(coalesce(sum({x}), 0) AS DOUBLE PRECISION)")),
        ("cast", [inner]) => {
            let upper = inner.to_ascii_uppercase();
            let cut = upper.rfind(" AS ")?;
            let (expr, ty) = (&inner[..cut], upper[cut + 4..].trim());
            match ty {
                "INTEGER" => Some(format!("CAST(trunc({expr}) AS BIGINT)")),
                "REAL" => Some(format!("CAST({expr} AS DOUBLE PRECISION)")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `AS name` (or a bare alias) at the start of `rest`: the name and how many bytes it spans.
fn alias_after(rest: &str) -> Option<(String, usize)> {
    let trimmed = rest.trim_start();
    let mut skipped = rest.len() - trimmed.len();
    let after_as = match trimmed.get(..3) {
        Some(w) if w.eq_ignore_ascii_case("as ") => {
            let t = &trimmed[3..];
            let t2 = t.trim_start();
            skipped += 3 + (t.len() - t2.len());
            t2
        }
        _ => return None,
    };
    let name: String = after_as
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then(|| {
        let len = skipped + name.len();
        (name, len)
    })
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn quoted_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    b[i + 1..]
        .iter()
        .position(|c| *c == q)
        .map_or(b.len(), |j| i + 1 + j + 1)
}

/// The index of the parenthesis closing the one at `open`.
fn matching(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                i = quoted_end(b, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The arguments of a call, split at top-level commas.
fn split_args(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let (mut out, mut depth, mut start, mut i) = (Vec::new(), 0usize, 0, 0);
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                i = quoted_end(b, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if !s.trim().is_empty() || !out.is_empty() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn json_functions() {
        assert_eq!(
            rewrite("coalesce(json_extract(r.empirical_policy, '$.retry_type'), '') <> 'x'"),
            "coalesce(((r.empirical_policy)::jsonb ->> 'retry_type'), '') <> 'x'"
        );
        assert_eq!(
            rewrite("json_extract(labels, '$.\"prefect.worker.name\"') = ?2"),
            "((labels)::jsonb ->> 'prefect.worker.name') = ?2"
        );
        assert_eq!(
            rewrite("SELECT 1 FROM json_each(?3) AS want WHERE want.value IN (SELECT value FROM json_each(c))"),
            "SELECT 1 FROM jsonb_array_elements_text((?3)::jsonb) AS want(value) WHERE want.value IN \
             (SELECT value FROM jsonb_array_elements_text((c)::jsonb) AS json_each(value))"
        );
    }

    #[test]
    fn nulls_sort_as_in_sqlite() {
        use super::order_nulls;
        assert_eq!(
            order_nulls("SELECT a FROM t WHERE x ORDER BY t.start_time DESC, t.id DESC LIMIT ?"),
            "SELECT a FROM t WHERE x ORDER BY t.start_time DESC NULLS LAST, t.id DESC LIMIT ?"
        );
        assert_eq!(
            order_nulls("SELECT (SELECT 1 FROM u ORDER BY n) FROM t ORDER BY name, created ASC"),
            "SELECT (SELECT 1 FROM u ORDER BY n NULLS FIRST) FROM t ORDER BY name NULLS FIRST, created ASC NULLS FIRST"
        );
        assert_eq!(
            order_nulls("ORDER BY a NULLS FIRST"),
            "ORDER BY a NULLS FIRST"
        );
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(rewrite("max(0, unixepoch(a, 'subsec'))"), "greatest(0, CAST(extract(epoch FROM CAST(CAST(a AS TEXT) AS timestamptz)) AS DOUBLE PRECISION))");
        assert_eq!(
            rewrite("SELECT max(x), min(y) FROM t"),
            "SELECT max(x), min(y) FROM t"
        );
        assert_eq!(
            rewrite("total(max(0, x))"),
            "CAST(coalesce(sum(greatest(0, x)), 0) AS DOUBLE PRECISION)"
        );
        assert_eq!(
            rewrite("CAST((a - b) / ?3 AS INTEGER) AS b"),
            "CAST(trunc((a - b) / ?3) AS BIGINT) AS b"
        );
        assert_eq!(
            rewrite("CAST(?2 AS TEXT) IS NULL"),
            "CAST(?2 AS TEXT) IS NULL"
        );
        assert_eq!(rewrite("'max(1, 2)' || t.max"), "'max(1, 2)' || t.max");
    }
}
