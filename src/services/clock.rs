//! The clock: system time in production, a settable instant in tests. Every `now` comes from here.

use crate::domain::{time, Ts};
use std::sync::Mutex;

/// Where `now` comes from.
#[derive(Debug)]
pub enum Clock {
    System,
    Fixed(Mutex<Ts>),
}

impl Clock {
    /// The current instant, truncated to microseconds.
    pub fn now(&self) -> Ts {
        match self {
            Clock::System => time::micros(chrono::Utc::now()),
            Clock::Fixed(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }
}
