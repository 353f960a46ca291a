//! How commands print: tables sized to the terminal, `key: value` views for `inspect`, JSON for scripts
//! (`--output json`), colours only on a terminal and never with `NO_COLOR`, and a spinner (stderr, terminal
//! only) while waiting. A leaf shared by every command of the binary: the CLI's client commands and the
//! database commands of `maintenance`, which must not depend on each other.

use chrono::{DateTime, Local, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::time::Duration;

/// `--output`: human tables or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Tables and readable text.
    #[default]
    Table,
    /// JSON, for scripts.
    Json,
}

/// Colours for text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    Green,
    Red,
    Yellow,
    Blue,
    Cyan,
    Grey,
    Bold,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Green => "32",
            Paint::Red => "31",
            Paint::Yellow => "33",
            Paint::Blue => "34",
            Paint::Cyan => "36",
            Paint::Grey => "90",
            Paint::Bold => "1",
        }
    }

    fn table_color(self) -> Option<Color> {
        match self {
            Paint::Green => Some(Color::Green),
            Paint::Red => Some(Color::Red),
            Paint::Yellow => Some(Color::Yellow),
            Paint::Blue => Some(Color::Blue),
            Paint::Cyan => Some(Color::Cyan),
            Paint::Grey => Some(Color::DarkGrey),
            Paint::Bold => None,
        }
    }
}

/// The colour of a state type.
pub fn state_paint(kind: &str) -> Paint {
    match kind {
        "COMPLETED" => Paint::Green,
        "FAILED" | "CRASHED" => Paint::Red,
        "CANCELLED" | "CANCELLING" => Paint::Grey,
        "RUNNING" => Paint::Blue,
        "PENDING" | "PAUSED" => Paint::Yellow,
        _ => Paint::Cyan,
    }
}

/// Where output goes and how it looks.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub format: Format,
    /// Colours on stdout.
    pub color: bool,
}

impl Out {
    /// Decides colours from the terminal and `NO_COLOR`.
    pub fn new(format: Format) -> Out {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Out {
            format,
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    /// Whether `--output json` was asked for.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints a value as pretty JSON.
    pub fn print_json<T: Serialize + ?Sized>(&self, v: &T) -> anyhow::Result<()> {
        println!("{}", serde_json::to_string_pretty(v)?);
        Ok(())
    }

    /// `text` in a colour (plain without colours).
    pub fn paint(&self, text: &str, p: Paint) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", p.code())
        } else {
            text.to_string()
        }
    }

    /// A state name coloured by its type.
    pub fn state(&self, kind: &str, name: &str) -> String {
        self.paint(name, state_paint(kind))
    }

    /// A table with `headers`, sized to the terminal.
    pub fn table(&self, headers: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_style(presets::UTF8_HORIZONTAL_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(headers.iter().map(|h| self.cell(h, Some(Paint::Bold))));
        if !self.color {
            t.force_no_tty();
            t.load_style(presets::NOTHING);
        }
        t
    }

    /// A table cell, coloured when colours are on.
    pub fn cell(&self, text: &str, p: Option<Paint>) -> Cell {
        let c = Cell::new(text);
        match (self.color, p) {
            (true, Some(Paint::Bold)) => c.add_attribute(comfy_table::Attribute::Bold),
            (true, Some(p)) => match p.table_color() {
                Some(color) => c.fg(color),
                None => c,
            },
            _ => c,
        }
    }

    /// Prints `key: value` lines with the keys aligned.
    pub fn fields(&self, rows: &[(&str, String)]) {
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in rows {
            let key = format!("{k:<width$}");
            println!("{}  {v}", self.paint(&key, Paint::Grey));
        }
    }

    /// A heading line.
    pub fn heading(&self, text: &str) {
        println!("{}", self.paint(text, Paint::Bold));
    }
}

/// A spinner on stderr while waiting, when stderr is a terminal (else none).
pub fn spinner(message: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
        pb.set_style(style);
    }
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    Some(pb)
}

/// Prints a line above the spinner (or plainly without one).
pub fn say(pb: &Option<ProgressBar>, line: &str) {
    match pb {
        Some(pb) => pb.suspend(|| println!("{line}")),
        None => println!("{line}"),
    }
}

/// Parses a timestamp the server sent.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A server timestamp in local time, with how long ago or ahead (`2026-01-02 03:04:05 (5m ago)`).
pub fn when(s: Option<&str>) -> String {
    let Some(t) = s.and_then(parse_time) else {
        return "-".into();
    };
    let local = t.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S");
    format!("{local} ({})", relative(t, Utc::now()))
}

/// A server timestamp in local time, short.
pub fn short_time(s: Option<&str>) -> String {
    match s.and_then(parse_time) {
        Some(t) => t
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => "-".into(),
    }
}

/// `5m ago` / `in 2h`.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let d = human_duration(secs.unsigned_abs() as f64);
    if secs.abs() < 1 {
        "now".into()
    } else if secs > 0 {
        format!("in {d}")
    } else {
        format!("{d} ago")
    }
}

/// `1h 5m`, `42s`, `3d 4h`.
pub fn human_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let pair = |a: u64, ua: &str, b: u64, ub: &str| {
        if b == 0 {
            format!("{a}{ua}")
        } else {
            format!("{a}{ua} {b}{ub}")
        }
    };
    if d > 0 {
        pair(d, "d", h, "h")
    } else if h > 0 {
        pair(h, "h", m, "m")
    } else if m > 0 {
        pair(m, "m", sec, "s")
    } else if secs > 0.0 && secs < 1.0 {
        format!("{}ms", (secs * 1000.0).round() as u64)
    } else if secs < 10.0 && secs.fract() != 0.0 {
        format!("{secs:.1}s")
    } else {
        format!("{sec}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(human_duration(42.0), "42s");
        assert_eq!(human_duration(1.25), "1.2s");
        assert_eq!(human_duration(0.004), "4ms");
        assert_eq!(human_duration(3900.0), "1h 5m");
        assert_eq!(human_duration(90_000.0), "1d 1h");
        assert_eq!(human_duration(600.0), "10m");
        assert_eq!(human_duration(86_400.0), "1d");
    }

    #[test]
    fn relative_times_point_the_right_way() {
        let now = Utc::now();
        assert_eq!(relative(now + chrono::Duration::seconds(120), now), "in 2m");
        assert_eq!(relative(now - chrono::Duration::seconds(5), now), "5s ago");
    }
}
