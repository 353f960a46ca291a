//! The in-process event bus: every stored event is published here after its transaction commits, and
//! websocket subscribers, the dashboard and the worker listen.

use crate::domain::event::Event;
use std::sync::Arc;
use tokio::sync::broadcast;

/// A broadcast channel of events. Slow subscribers lose the oldest events rather than block writers.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    /// A bus with room for 4096 undelivered events per subscriber.
    pub fn new() -> Bus {
        let (tx, _) = broadcast::channel(4096);
        Bus { tx }
    }

    /// Publishes events (no-op without subscribers).
    pub fn publish(&self, events: impl IntoIterator<Item = Event>) {
        for e in events {
            let _ = self.tx.send(Arc::new(e));
        }
    }

    /// A new subscription, starting now.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}
