//! A flow run's logs as the CSV file Prefect's `GET /flow_runs/{id}/logs/download` gives: Python's
//! `csv.writer` defaults (fields quoted only when needed, rows ended by CRLF) and Python's `str(datetime)`.

use super::log::Log;
use super::Ts;
use chrono::Timelike;

/// The header row.
pub const HEADER: &str = "timestamp,level,flow_run_id,task_run_id,message\r\n";

/// A time as Python prints a UTC datetime: `2026-12-05 12:07:40.427163+00:00`, without the fraction when it
/// is zero.
pub fn python_time(t: Ts) -> String {
    if t.nanosecond() / 1000 == 0 {
        t.format("%Y-%m-%d %H:%M:%S+00:00").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
    }
}

/// A field, quoted (with `"` doubled) when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One log line as a CSV row.
pub fn row(l: &Log) -> String {
    format!(
        "{},{},{},{},{}\r\n",
        python_time(l.timestamp),
        l.level,
        l.flow_run_id.map(|u| u.to_string()).unwrap_or_default(),
        l.task_run_id.map(|u| u.to_string()).unwrap_or_default(),
        field(&l.message)
    )
}

/// `s` percent-encoded except for letters, digits and `_.-~` (Python's `quote(s, safe="")`).
pub fn url_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn line(message: &str, micros: u32) -> Log {
        Log {
            id: Uuid::nil(),
            created: Utc.timestamp_opt(0, 0).unwrap(),
            name: "prefect".into(),
            level: 20,
            message: message.into(),
            timestamp: Utc
                .with_ymd_and_hms(2026, 12, 5, 12, 7, 40)
                .unwrap()
                .with_nanosecond(micros * 1000)
                .unwrap(),
            flow_run_id: Some(Uuid::from_u128(1)),
            task_run_id: None,
        }
    }

    #[test]
    fn rows_are_python_csv() {
        assert_eq!(
            row(&line("extracting 3", 427163)),
            "2026-12-05 12:07:40.427163+00:00,20,00000000-0000-0000-0000-000000000001,,extracting 3\r\n"
        );
        let r = row(&line("a, \"b\"\nc", 0));
        assert!(
            r.starts_with("2026-12-05 12:07:40+00:00,") && r.ends_with(",\"a, \"\"b\"\"\nc\"\r\n"),
            "{r}"
        );
    }

    #[test]
    fn names_are_quoted_like_python() {
        assert_eq!(
            url_quote("piquant-griffin-logs.csv"),
            "piquant-griffin-logs.csv"
        );
        assert_eq!(url_quote("a b/é"), "a%20b%2F%C3%A9");
    }
}
