//! The in-process event bus: every stored event is published here after its transaction commits, and
//! websocket subscribers, the dashboard and the worker listen.

use crate::domain::log::Log;
use crate::domain::run_state_event::Published;
use std::sync::Arc;
use tokio::sync::broadcast;

/// A broadcast channel of events. Slow subscribers lose the oldest events rather than block writers.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Published>>,
    logs: broadcast::Sender<Arc<Vec<Log>>>,
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
        let (logs, _) = broadcast::channel(1024);
        Bus { tx, logs }
    }

    /// Publishes events (no-op without subscribers). A flow run's state event is built from its facts
    /// only when a subscriber reads it.
    pub fn publish<E: Into<Published>>(&self, events: impl IntoIterator<Item = E>) {
        for e in events {
            let _ = self.tx.send(Arc::new(e.into()));
        }
    }

    /// Publishes a stored batch of log lines (for live tails; no-op without subscribers).
    pub fn publish_logs(&self, batch: Vec<Log>) {
        if self.logs.receiver_count() > 0 {
            let _ = self.logs.send(Arc::new(batch));
        }
    }

    /// A new subscription to stored log batches, starting now.
    pub fn subscribe_logs(&self) -> broadcast::Receiver<Arc<Vec<Log>>> {
        self.logs.subscribe()
    }

    /// A new subscription, starting now.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }
}
