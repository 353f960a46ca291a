//! A run's log lines from the worker: its own lines (what went wrong, the process's start and end) and
//! the process's output, batched and held through server outages.

use super::process::Line;
use super::retry;
use super::transport::Transport;
use crate::domain::log::Log;
use crate::domain::time;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Log lines are sent in batches of at most this many, or every flush interval.
const BATCH: usize = 200;
const FLUSH: Duration = Duration::from_millis(250);

pub(super) async fn log_line<T: Transport>(t: &T, id: Uuid, level: i64, message: &str) {
    let log = worker_log(id, "baton.worker", level, message.to_string());
    let _ = t.send_logs(vec![log]).await;
}

fn worker_log(id: Uuid, logger: &str, level: i64, message: String) -> Log {
    let now = time::micros(chrono::Utc::now());
    Log {
        id: Uuid::now_v7(),
        created: now,
        name: logger.into(),
        level,
        message,
        timestamp: now,
        flow_run_id: Some(id),
        task_run_id: None,
    }
}

/// Sends a line of the run's process's life (started, ended; logger `baton.process`) without waiting for
/// it, so the run's start and its final state are not delayed by a write.
pub(super) fn spawn_log<T: Transport>(t: &Arc<T>, id: Uuid, level: i64, message: String) {
    let (t, log) = (t.clone(), worker_log(id, "baton.process", level, message));
    tokio::spawn(async move {
        if let Err(e) = t.send_logs(vec![log]).await {
            tracing::debug!(run = %id, error = %e, "could not send the process line");
        }
    });
}

/// Sends the process's output as the run's logs (batched), or drops it for Prefect flows, whose engine
/// already sends every line to the API. Lines the server could not take stay buffered (up to
/// `retry::MAX_BUFFERED_LINES`) and go out with the next batch; at the end they are retried with backoff for
/// up to `retry::RIDE_OUT`, so output written while the server was unreachable is delivered when it is back.
pub(super) async fn forward_logs<T: Transport>(
    t: Arc<T>,
    id: Uuid,
    mut lines: tokio::sync::mpsc::Receiver<Line>,
    keep: bool,
) {
    let mut batch: Vec<Log> = Vec::new();
    let mut pending = Pending::default();
    // A batch is sent at most FLUSH after its first line arrived, however steadily lines keep coming.
    let mut flush_at = tokio::time::Instant::now() + FLUSH;
    loop {
        let next = tokio::time::timeout_at(flush_at, lines.recv()).await;
        match next {
            Ok(Some(line)) if keep => {
                if batch.is_empty() {
                    flush_at = tokio::time::Instant::now() + FLUSH;
                }
                batch.push(output_log(id, line));
                if batch.len() < BATCH {
                    continue;
                }
            }
            Ok(Some(line)) => {
                tracing::debug!(run = %id, "{}", line.text);
                continue;
            }
            Ok(None) => {
                pending.add(id, std::mem::take(&mut batch));
                pending.drain(&*t, id).await;
                return;
            }
            Err(_) if batch.is_empty() && pending.lines.is_empty() => {
                flush_at = tokio::time::Instant::now() + Duration::from_secs(3600);
                continue;
            }
            Err(_) => {
                // Nothing new, but lines are waiting for the server: try again a little later.
                flush_at = tokio::time::Instant::now() + Duration::from_secs(1);
            }
        }
        pending.add(id, std::mem::take(&mut batch));
        if let Err(true) = pending.send(&*t, id).await {
            pending.lines.clear(); // refused, not unreachable: retrying would not help
        }
    }
}

fn output_log(id: Uuid, line: Line) -> Log {
    let now = time::micros(chrono::Utc::now());
    Log {
        id: Uuid::now_v7(),
        created: now,
        name: if line.stderr {
            "baton.stderr"
        } else {
            "baton.stdout"
        }
        .into(),
        level: if line.stderr { 40 } else { 20 },
        message: line.text,
        timestamp: now,
        flow_run_id: Some(id),
        task_run_id: None,
    }
}

/// Log lines not yet accepted by the server, oldest first.
#[derive(Default)]
struct Pending {
    lines: Vec<Log>,
    failing: bool,
}

impl Pending {
    fn add(&mut self, id: Uuid, mut batch: Vec<Log>) {
        self.lines.append(&mut batch);
        let over = self.lines.len().saturating_sub(retry::MAX_BUFFERED_LINES);
        if over > 0 {
            self.lines.drain(..over);
            tracing::warn!(run = %id, dropped = over, "log buffer full while the server is unreachable");
        }
    }

    /// Sends what is buffered, a batch at a time; stops at the first failure. `Ok` when all went out,
    /// else whether the server refused the lines (retrying will not help) rather than being unreachable.
    async fn send<T: Transport>(&mut self, t: &T, id: Uuid) -> Result<(), bool> {
        while !self.lines.is_empty() {
            let n = self.lines.len().min(BATCH);
            let chunk: Vec<Log> = self.lines[..n].to_vec();
            match t.send_logs(chunk).await {
                Ok(()) => {
                    self.lines.drain(..n);
                    if std::mem::take(&mut self.failing) {
                        tracing::info!(run = %id, "the server takes log lines again");
                    }
                }
                Err(e) => {
                    if !std::mem::replace(&mut self.failing, true) {
                        tracing::warn!(run = %id, error = %e, "could not store log lines; keeping them to retry");
                    }
                    return Err(retry::refused(&e));
                }
            }
        }
        Ok(())
    }

    /// Sends everything, retrying with backoff for up to `retry::RIDE_OUT`.
    async fn drain<T: Transport>(&mut self, t: &T, id: Uuid) {
        let started = std::time::Instant::now();
        for attempt in 0..10_000u32 {
            match self.send(t, id).await {
                Ok(()) | Err(true) => break,
                Err(false) if started.elapsed() > retry::RIDE_OUT => break,
                Err(false) => {}
            }
            tokio::time::sleep(retry::backoff(attempt)).await;
        }
        if !self.lines.is_empty() {
            tracing::warn!(run = %id, lost = self.lines.len(), "gave up delivering log lines");
        }
    }
}
