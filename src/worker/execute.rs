//! One run, start to finish: claim, plan, start, stream output, wait (for exit, cancellation or timeout),
//! report the outcome.

use super::job::Kind;
use super::process::{self, Line};
use super::transport::{Answer, Ticket, Transport};
use super::{plan_run, propose, retry, Active, Probe, WorkerConfig};
use crate::domain::log::Log;
use crate::domain::state::name;
use crate::domain::{time, StateType};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Log lines are sent in batches of at most this many, or every flush interval.
const BATCH: usize = 200;
const FLUSH: Duration = Duration::from_millis(250);

pub(super) async fn execute<T: Transport>(
    t: Arc<T>,
    cfg: &WorkerConfig,
    ticket: Ticket,
    active: Active,
    probe: Probe,
    stop: CancellationToken,
) {
    let id = ticket.id;
    match propose(
        &*t,
        id,
        StateType::Pending,
        Some(name::PENDING),
        None,
        false,
    )
    .await
    {
        Answer::Accepted(_) => {}
        other => {
            tracing::debug!(run = %id, answer = ?other, "run not claimed (another worker has it)");
            return;
        }
    }
    // Label the run at once, so that whatever happens next (a long git clone, a server killed) it is known
    // whose run it is and the crash reapers can find it.
    if let Err(e) = t.attach(id, None, worker_labels(cfg)).await {
        tracing::warn!(run = %id, error = %e, "could not label the claimed run");
    }
    let job = match plan_run(&*t, cfg, &ticket, &probe).await {
        Ok(job) => job,
        Err(why) => {
            let msg = format!("Baton did not start this run: {why}");
            log_line(&*t, id, 40, &msg).await;
            propose(&*t, id, StateType::Failed, None, Some(msg), false).await;
            return;
        }
    };
    let mut running = match process::start(&job) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("Baton could not start {}: {e}", job.program);
            log_line(&*t, id, 40, &msg).await;
            propose(&*t, id, StateType::Failed, None, Some(msg), false).await;
            return;
        }
    };
    let cancel = CancellationToken::new();
    if let Ok(mut a) = active.lock() {
        a.insert(id, cancel.clone());
    }
    if let Err(e) = t.attach(id, Some(running.pid), worker_labels(cfg)).await {
        tracing::warn!(run = %id, error = %e, "could not record the run's process id");
    }
    let reports_itself = job.kind == Kind::PrefectFlow;
    if !reports_itself {
        if let Answer::Rejected(_) | Answer::Aborted(_) =
            propose(&*t, id, StateType::Running, None, None, false).await
        {
            // Cancelled (or otherwise ended) between the claim and the start: stop what was started.
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            if let Ok(mut a) = active.lock() {
                a.remove(&id);
            }
            return;
        }
    }
    let lines = std::mem::replace(&mut running.lines, tokio::sync::mpsc::channel(1).1);
    let pump = tokio::spawn(forward_logs(t.clone(), id, lines, !reports_itself));
    let timeout = job
        .timeout_seconds
        .and_then(|t| Duration::try_from_secs_f64(t).ok());
    let outcome = tokio::select! {
        status = running.child.wait() => Outcome::Exited(status.ok().and_then(|s| s.code())),
        _ = cancel.cancelled() => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::Cancelled
        }
        _ = sleep_opt(timeout) => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::TimedOut
        }
        _ = stop.cancelled() => {
            process::stop_group(&mut running.child, running.pid, cfg.cancel_grace).await;
            Outcome::WorkerStopped
        }
    };
    process::signal_group(running.pid, nix::sys::signal::Signal::SIGKILL);
    let _ = pump.await;
    if let Ok(mut a) = active.lock() {
        a.remove(&id);
    }
    finish(&*t, id, &job.kind, outcome, job.timeout_seconds).await;
    let checkout = super::checkout_dir(id);
    if job.cwd.as_deref() == Some(checkout.as_path()) {
        let _ = std::fs::remove_dir_all(checkout);
    }
}

fn worker_labels(cfg: &WorkerConfig) -> crate::domain::Doc {
    let mut labels = crate::domain::Doc::new();
    labels.insert("prefect.worker.name".into(), Value::from(cfg.name.clone()));
    labels.insert("prefect.worker.type".into(), Value::from("process"));
    labels.insert(
        "prefect.work-pool.name".into(),
        Value::from(cfg.pool.clone()),
    );
    labels
}

enum Outcome {
    Exited(Option<i32>),
    Cancelled,
    TimedOut,
    WorkerStopped,
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn finish<T: Transport>(
    t: &T,
    id: Uuid,
    kind: &Kind,
    outcome: Outcome,
    timeout: Option<f64>,
) {
    match outcome {
        Outcome::Cancelled => {
            propose(
                t,
                id,
                StateType::Cancelled,
                None,
                Some("Cancelled: the run's process was stopped.".into()),
                true,
            )
            .await;
        }
        Outcome::WorkerStopped
            if t.state_of(id)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.is_terminal()) => {}
        Outcome::WorkerStopped => {
            let msg = "The worker stopped while the run was in progress; its process was ended.";
            log_line(t, id, 40, msg).await;
            propose(t, id, StateType::Crashed, None, Some(msg.into()), false).await;
        }
        Outcome::TimedOut => {
            let msg = format!(
                "The run exceeded its timeout of {} s and was stopped.",
                timeout.unwrap_or_default()
            );
            log_line(t, id, 40, &msg).await;
            propose(
                t,
                id,
                StateType::Failed,
                Some(name::TIMED_OUT),
                Some(msg),
                false,
            )
            .await;
        }
        Outcome::Exited(code) if *kind == Kind::PrefectFlow => {
            let state = t.state_of(id).await.ok().flatten();
            // A suspended run's process exits on purpose: the run waits, Paused, to be resumed.
            let suspended = state == Some(StateType::Paused) && code == Some(0);
            if !state.is_some_and(|s| s.is_terminal()) && !suspended {
                let msg = format!(
                    "The flow run process exited (code {}) without reporting a final state.",
                    code.map_or("unknown".into(), |c| c.to_string())
                );
                log_line(t, id, 40, &msg).await;
                propose(t, id, StateType::Crashed, None, Some(msg), false).await;
            }
        }
        Outcome::Exited(Some(0)) => {
            propose(t, id, StateType::Completed, None, None, false).await;
        }
        Outcome::Exited(Some(c)) => {
            let msg = format!("The process exited with code {c}.");
            propose(t, id, StateType::Failed, None, Some(msg), false).await;
        }
        Outcome::Exited(None) => {
            let msg = "The run's process was killed by a signal.";
            log_line(t, id, 40, msg).await;
            propose(t, id, StateType::Crashed, None, Some(msg.into()), false).await;
        }
    }
}

async fn log_line<T: Transport>(t: &T, id: Uuid, level: i64, message: &str) {
    let now = time::micros(chrono::Utc::now());
    let log = Log {
        id: Uuid::now_v7(),
        created: now,
        name: "baton.worker".into(),
        level,
        message: message.to_string(),
        timestamp: now,
        flow_run_id: Some(id),
        task_run_id: None,
    };
    let _ = t.send_logs(vec![log]).await;
}

/// Sends the process's output as the run's logs (batched), or drops it for Prefect flows, whose engine
/// already sends every line to the API. Lines the server could not take stay buffered (up to
/// `retry::MAX_BUFFERED_LINES`) and go out with the next batch; at the end they are retried with backoff for
/// up to `retry::RIDE_OUT`, so output written while the server was unreachable is delivered when it is back.
async fn forward_logs<T: Transport>(
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
