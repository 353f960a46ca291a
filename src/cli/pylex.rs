//! Small lexing helpers for reading Python source as text: split at top-level separators (outside brackets
//! and strings), find a matching bracket, and read string literals.

/// Splits `a = b` at the first top-level `=` that is not part of `==`, `<=`, `>=` or `!=`.
pub fn split_assign(t: &str) -> Option<(&str, &str)> {
    let b = t.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        if let Some(q) = quote {
            if c == q && (i == 0 || b[i - 1] != b'\\') {
                quote = None;
            }
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'=' if depth == 0 => {
                let prev = if i > 0 { b[i - 1] } else { b' ' };
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if !b"=<>!".contains(&prev) && next != b'=' {
                    return Some((&t[..i], &t[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at top-level `sep` (outside brackets and strings).
pub fn split_top(t: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut last = 0;
    for (i, c) in t.char_indices() {
        if let Some(q) = quote {
            if c == q && prev != '\\' {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&t[last..i]);
                last = i + c.len_utf8();
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(&t[last..]);
    parts
}

pub fn matching_close(t: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in t.char_indices().skip_while(|(i, _)| *i < open) {
        if let Some(q) = quote {
            if c == q && prev != '\\' {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        prev = c;
    }
    None
}

pub fn top_level_colon(t: &str) -> Option<usize> {
    let first = split_top(t, ':').first().map(|s| s.len())?;
    (first < t.len()).then_some(first)
}

/// A string literal's text (`'x'`, `"x"`, `"""x"""`, `r'x'`), simple escapes undone.
pub fn string_literal(t: &str) -> Option<String> {
    let t = t.trim();
    let (raw, body) = match t.chars().next()? {
        'r' | 'R' => (true, &t[1..]),
        'u' | 'U' => (false, &t[1..]),
        _ => (false, t),
    };
    let inner = ["\"\"\"", "'''", "\"", "'"].iter().find_map(|q| {
        body.strip_prefix(q)?
            .strip_suffix(q)
            .filter(|_| body.len() >= 2 * q.len())
    })?;
    if raw {
        return Some(inner.to_string());
    }
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\n') => {}
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    Some(out)
}
