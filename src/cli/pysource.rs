//! Reading Python source without running it: the functions of a file with their decorators, parameters
//! (name, annotation and default as source text) and docstring. Enough to deploy a function the way Prefect
//! does (flow name from `@flow(name=...)`, description from the docstring, a parameter schema from the
//! signature) without importing user code.

use super::pylex::{matching_close, split_assign, split_top, string_literal, top_level_colon};

/// One parameter of a `def`.
#[derive(Debug, Clone, PartialEq)]
pub struct PyParam {
    pub name: String,
    pub annotation: Option<String>,
    pub default: Option<String>,
}

/// One function of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct PyFunction {
    pub name: String,
    pub line: usize,
    pub decorators: Vec<String>,
    pub params: Vec<PyParam>,
    pub docstring: Option<String>,
}

impl PyFunction {
    /// Whether a decorator makes it a Prefect flow (`@flow`, `@flow(...)`, `@prefect.flow...`).
    pub fn is_flow(&self) -> bool {
        self.decorators.iter().any(|d| flow_call(d).is_some())
    }

    /// The `name=` of its `@flow(...)` decorator, when given as a string literal.
    pub fn flow_name(&self) -> Option<String> {
        self.decorators.iter().find_map(|d| {
            let args = flow_call(d)??;
            split_top(args, ',').into_iter().find_map(|a| {
                let (k, v) = split_assign(a)?;
                (k.trim() == "name").then(|| string_literal(v.trim()))?
            })
        })
    }
}

/// `Some(args)` for `flow(args)`, `Some(None)` for a bare `flow`, `None` for other decorators.
fn flow_call(d: &str) -> Option<Option<&str>> {
    let d = d.trim();
    let rest = d
        .strip_prefix("prefect.flow")
        .or_else(|| d.strip_prefix("flow"))?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(None);
    }
    let inner = rest.strip_prefix('(')?.trim_end().strip_suffix(')')?;
    Some(Some(inner))
}

/// A logical line: physical lines joined while brackets or strings are open, comments removed.
struct Logical {
    text: String,
    indent: usize,
    line: usize,
}

fn logical_lines(src: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let (mut depth, mut line, mut start, mut indent) = (0i32, 1usize, 1usize, 0usize);
    let mut at_line_start = true;
    let mut quote: Option<(char, bool)> = None;
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if at_line_start && buf.is_empty() {
            if c == ' ' || c == '\t' {
                indent += if c == '\t' { 8 } else { 1 };
                i += 1;
                continue;
            }
            at_line_start = false;
            start = line;
        }
        if let Some((q, triple)) = quote {
            buf.push(c);
            if c == '\\' && i + 1 < chars.len() {
                buf.push(chars[i + 1]);
                if chars[i + 1] == '\n' {
                    line += 1;
                }
                i += 2;
                continue;
            }
            if c == '\n' {
                line += 1;
            }
            if c == q {
                if !triple {
                    quote = None;
                } else if chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                    buf.push(q);
                    buf.push(q);
                    i += 2;
                    quote = None;
                }
            }
            i += 1;
            continue;
        }
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
                quote = Some((c, triple));
                buf.push(c);
                if triple {
                    buf.push(c);
                    buf.push(c);
                    i += 2;
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                buf.push(c);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                buf.push(c);
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                buf.push(' ');
                line += 1;
                i += 1;
            }
            '\n' => {
                line += 1;
                if depth <= 0 {
                    if !buf.trim().is_empty() {
                        out.push(Logical {
                            text: buf.trim_end().to_string(),
                            indent,
                            line: start,
                        });
                    }
                    buf.clear();
                    depth = 0;
                    indent = 0;
                    at_line_start = true;
                } else {
                    buf.push(' ');
                }
            }
            _ => buf.push(c),
        }
        i += 1;
    }
    if !buf.trim().is_empty() {
        out.push(Logical {
            text: buf.trim_end().to_string(),
            indent,
            line: start,
        });
    }
    out
}

/// Every function (at any depth) in `src`, in file order.
pub fn functions(src: &str) -> Vec<PyFunction> {
    let lines = logical_lines(src);
    let mut out = Vec::new();
    let mut decorators: Vec<String> = Vec::new();
    for (n, l) in lines.iter().enumerate() {
        let t = l.text.as_str();
        if let Some(d) = t.strip_prefix('@') {
            decorators.push(d.trim().to_string());
            continue;
        }
        let def = t
            .strip_prefix("async def ")
            .or_else(|| t.strip_prefix("def "));
        let Some(def) = def else {
            decorators.clear();
            continue;
        };
        let decs = std::mem::take(&mut decorators);
        let Some(open) = def.find('(') else {
            continue;
        };
        let name = def[..open].trim().to_string();
        let Some(close) = matching_close(def, open) else {
            continue;
        };
        let params = split_top(&def[open + 1..close], ',')
            .into_iter()
            .filter_map(param)
            .collect();
        let after = def[close + 1..].trim_start();
        let body_inline = top_level_colon(after).map(|i| after[i + 1..].trim());
        let docstring = match body_inline {
            Some(b) if !b.is_empty() => docstring_of(b),
            _ => lines
                .get(n + 1)
                .filter(|next| next.indent > l.indent)
                .and_then(|next| docstring_of(&next.text)),
        };
        out.push(PyFunction {
            name,
            line: l.line,
            decorators: decs,
            params,
            docstring,
        });
    }
    out
}

/// The function `name` of `src`.
#[cfg(test)]
pub fn find_function(src: &str, name: &str) -> Option<PyFunction> {
    functions(src).into_iter().find(|f| f.name == name)
}

fn param(text: &str) -> Option<PyParam> {
    let t = text.trim();
    if t.is_empty() || t == "/" || t == "*" || t.starts_with('*') {
        return None;
    }
    let (head, default) = match split_assign(t) {
        Some((h, d)) => (h, Some(d.trim().to_string())),
        None => (t, None),
    };
    let (name, annotation) = match head.split_once(':') {
        Some((n, a)) => (n.trim(), Some(a.trim().to_string())),
        None => (head.trim(), None),
    };
    if name == "self" || name == "cls" {
        return None;
    }
    Some(PyParam {
        name: name.to_string(),
        annotation,
        default,
    })
}

/// The docstring if `t` is a string literal statement, cleaned like `inspect.cleandoc`.
fn docstring_of(t: &str) -> Option<String> {
    let text = string_literal(t)?;
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.trim().to_string()
            } else {
                l.get(indent..).unwrap_or("").trim_end().to_string()
            }
        })
        .collect();
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let doc = out.join("\n");
    (!doc.is_empty()).then_some(doc)
}
